/**
 * `npm run replace-tables -- --mirror <dir> [--out <dir>] [--only kubernetes,…] [--allow-stand-in]`
 *
 * Rebuilds delivery/providers/tables/*.json — which input changes force each provider to replace a
 * resource — from the providers' own source at the release tags the lockfile pins. `<dir>` (or
 * PROVIDER_SOURCES) holds bare clones as `<owner>+<name>/repo` (`git clone --bare`, tags included).
 * A missing clone or tag stops the run with what to clone or fetch; `--allow-stand-in` reads the
 * clone's newest commit instead of a missing tag and records that in the table's `note`.
 */
import * as fs from "fs";
import * as path from "path";
import {
    frameworkResource,
    pulumiPaths,
    PulumiSchema,
    ReplaceRule,
    schemaReplacePaths,
    sdkResource,
    TfAttr,
} from "../providers/extract/terraform";
import { kubernetesRules, providerConfigRule } from "../providers/extract/kubernetes";
import { bridgeFiles, Origin, Repo, SourceError, upstreamRef } from "../providers/sourceRepo";
import { commandLineOr } from "./args";
import { runMain } from "./run";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE =
    "usage: npm run replace-tables -- --mirror <dir> [--out <dir>] [--only openstack,random,tls,command,kubernetes] [--allow-stand-in]";
const FLAGS = {
    out: { type: "string" },
    mirror: { type: "string" },
    only: { type: "string" },
    "allow-stand-in": { type: "boolean" },
} as const;
const ARGS = commandLineOr(process.argv.slice(2), FLAGS, USAGE)?.values ?? process.exit(2);
const OUT = ARGS.out ? path.resolve(ARGS.out) : path.join(ROOT, "delivery", "providers", "tables");
const MIRROR = ARGS.mirror ?? process.env.PROVIDER_SOURCES;
const ALLOW_STAND_IN = ARGS["allow-stand-in"] ?? false;
/** The stored clone of one provider repository, read as the flags say. */
const clone = (name: string) => new Repo(MIRROR!, name, ALLOW_STAND_IN);

function pinned(pkg: string): string {
    return (
        JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }
    ).version.replace(/^v/, "");
}

interface Table {
    readonly provider: string;
    readonly package: string;
    readonly version: string;
    readonly origin: Origin[];
    /** Pulumi type → replace rules. */
    readonly resources: Record<string, ReplaceRule[]>;
    /** Differences between the source extraction and the bridged schema's willReplaceOnChanges. */
    readonly crossCheck?: Record<string, { onlyInSource: string[]; onlyInSchema: string[] }>;
    readonly [extra: string]: unknown;
}

function write(name: string, table: Table): void {
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, `${name}.json`), `${JSON.stringify(table, null, 2)}\n`);
    const n = Object.keys(table.resources).length;
    const mismatches = Object.keys(table.crossCheck ?? {}).length;
    const file = path.relative(process.cwd(), path.join(OUT, `${name}.json`));
    console.log(`${name}: ${n} resource types, ${mismatches} differing from the bridged schema -> ${file}`);
}

function crossCheck(resources: Record<string, ReplaceRule[]>, schema: PulumiSchema): Table["crossCheck"] {
    const out: NonNullable<Table["crossCheck"]> = {};
    for (const [token, rules] of Object.entries(resources)) {
        const mine = new Set(rules.map((r) => r.path));
        const theirs = new Set(schemaReplacePaths(token, schema));
        const onlyInSource = [...mine].filter((p) => !theirs.has(p));
        const onlyInSchema = [...theirs].filter((p) => !mine.has(p));
        if (onlyInSource.length || onlyInSchema.length) out[token] = { onlyInSource, onlyInSchema };
    }
    return out;
}

function openstack(): void {
    const version = pinned("@pulumi/openstack");
    const bridge = clone("pulumi/pulumi-openstack");
    const b = bridge.pick(`v${version}`);
    const { schema, meta, files } = bridgeFiles(bridge, b.commit, "openstack");
    const upstreamModule = "github.com/terraform-provider-openstack/terraform-provider-openstack";
    const tfRef = upstreamRef(bridge.show(b.commit, "provider/go.mod"), upstreamModule);
    const tf = clone("terraform-provider-openstack/terraform-provider-openstack");
    const t = tf.pick(tfRef);
    const providerGo = tf.show(t.commit, "openstack/provider.go");
    const resourcesMap = providerGo.slice(providerGo.indexOf("ResourcesMap:"));
    const funcs = new Map([...resourcesMap.matchAll(/"(openstack_[a-z0-9_]+)":\s*(resource[A-Za-z0-9]+)\(\)/g)].map((m) => [m[1], m[2]]));
    const sources = tf.ls(t.commit, "openstack").filter((f) => /\/resource_openstack_.*\.go$/.test(f) && !f.endsWith("_test.go"));
    const byFunc = new Map<string, string>();
    for (const file of sources) {
        const src = tf.show(t.commit, file);
        for (const m of src.matchAll(/^func (resource[A-Za-z0-9]+)\(\) \*schema\.Resource/gm)) byFunc.set(m[1], src);
    }
    const tokenOf = Object.fromEntries(Object.entries(meta.renames.resources).map(([token, tfName]) => [tfName, token]));
    const resources: Record<string, ReplaceRule[]> = {};
    const conditional: Record<string, ReplaceRule[]> = {};
    const skipped: string[] = [];
    for (const [tfName, func] of [...funcs].sort()) {
        const token = tokenOf[tfName];
        const src = byFunc.get(func);
        if (!token || !src) {
            skipped.push(tfName);
            continue;
        }
        try {
            const { attrs, conditional: cond } = sdkResource(src, func);
            resources[token] = pulumiPaths(token, attrs, schema, meta);
            const condRules = pulumiPaths(
                token,
                cond.map((c): TfAttr => ({ name: c.name, force: { when: c.when }, children: [] })),
                schema,
                meta,
            );
            if (condRules.length) conditional[token] = condRules;
        } catch (err) {
            skipped.push(`${tfName} (${(err as Error).message})`);
        }
    }
    write("openstack", {
        provider: "openstack",
        package: "@pulumi/openstack",
        version,
        origin: [
            { repo: "github.com/pulumi/pulumi-openstack", ...b, files },
            {
                repo: "github.com/terraform-provider-openstack/terraform-provider-openstack",
                ...t,
                files: ["openstack/provider.go", "openstack/resource_openstack_*.go"],
            },
        ],
        resources,
        conditional,
        skipped,
        crossCheck: crossCheck(resources, schema),
    });
}

function framework(name: "random" | "tls", upstreamName: string, module: string): void {
    const version = pinned(`@pulumi/${name}`);
    const bridge = clone(`pulumi/pulumi-${name}`);
    const b = bridge.pick(`v${version}`);
    const { schema, meta, files } = bridgeFiles(bridge, b.commit, name);
    const tf = clone(upstreamName);
    const t = tf.pick(upstreamRef(bridge.show(b.commit, "provider/go.mod"), module));
    const tokenOf = Object.fromEntries(Object.entries(meta.renames.resources).map(([token, tfName]) => [tfName, token]));
    const resources: Record<string, ReplaceRule[]> = {};
    for (const file of tf
        .ls(t.commit, "internal/provider")
        .filter((f) => /\/resource_[a-z0-9_]+\.go$/.test(f) && !f.endsWith("_test.go"))) {
        const src = tf.show(t.commit, file);
        if (!/resource\.SchemaRequest/.test(src)) continue;
        const { typeSuffix, attrs } = frameworkResource(src);
        const token = tokenOf[`${name}${typeSuffix}`];
        if (token) resources[token] = pulumiPaths(token, attrs, schema, meta);
    }
    write(name, {
        provider: name,
        package: `@pulumi/${name}`,
        version,
        origin: [
            { repo: `github.com/pulumi/pulumi-${name}`, ...b, files },
            { repo: `github.com/${upstreamName}`, ...t, files: ["internal/provider/resource_*.go"] },
        ],
        resources,
        // The bridge does not mark plugin-framework attributes willReplaceOnChanges in
        // schema.json, so there is nothing to cross-check against.
        crossCheckNote: "plugin-framework provider: the bridged schema carries no willReplaceOnChanges to compare with",
    });
}

function commandProvider(): void {
    const version = pinned("@pulumi/command");
    const repo = clone("pulumi/pulumi-command");
    const c = repo.pick(`v${version}`);
    const schemaFile = "provider/cmd/pulumi-resource-command/schema.json";
    const schema = JSON.parse(repo.show(c.commit, schemaFile)) as PulumiSchema;
    const resources: Record<string, ReplaceRule[]> = {};
    for (const token of Object.keys(schema.resources)) resources[token] = schemaReplacePaths(token, schema).map((p) => ({ path: p }));
    // The schema is generated from struct tags; check the source says the same.
    const tagged = [
        ...repo
            .show(c.commit, "provider/pkg/provider/common/inputs.go")
            .matchAll(/pulumi:"([a-zA-Z]+)[^"]*"\s+provider:"replaceOnChanges"/g),
    ].map((m) => m[1]);
    write("command", {
        provider: "command",
        package: "@pulumi/command",
        version,
        origin: [{ repo: "github.com/pulumi/pulumi-command", ...c, files: [schemaFile, "provider/pkg/provider/common/inputs.go"] }],
        resources,
        sourceTaggedReplaceOnChanges: tagged,
    });
}

function kubernetes(): void {
    const version = pinned("@pulumi/kubernetes");
    const repo = clone("pulumi/pulumi-kubernetes");
    const k = repo.pick(`v${version}`);
    const files = ["provider/pkg/provider/diff.go", "provider/pkg/provider/helm_release.go", "provider/pkg/provider/provider.go"];
    const rules = kubernetesRules(repo.show(k.commit, files[0]), repo.show(k.commit, files[1]));
    const providerConfig = providerConfigRule(repo.show(k.commit, files[2]));
    write("kubernetes", {
        provider: "kubernetes",
        package: "@pulumi/kubernetes",
        version,
        origin: [{ repo: "github.com/pulumi/pulumi-kubernetes", ...k, files }],
        resources: { "kubernetes:helm.sh/v3:Release": rules.helmRelease.map((p) => ({ path: p })) },
        kinds: rules.kinds,
        metadata: rules.metadata,
        secret: rules.secret,
        configMap: rules.configMap,
        providerConfig,
    });
}

const ONLY = ARGS.only?.split(",");
const TABLES: Record<string, () => void> = {
    openstack,
    random: () => framework("random", "hashicorp/terraform-provider-random", "github.com/terraform-providers/terraform-provider-random"),
    tls: () => framework("tls", "hashicorp/terraform-provider-tls", "github.com/hashicorp/terraform-provider-tls"),
    command: commandProvider,
    kubernetes,
};
function main(): number {
    if (!MIRROR) {
        console.error(
            `${USAGE}\nThe tables are read from the providers' source: --mirror <dir> (or PROVIDER_SOURCES) ` +
                `names a directory with bare clones as <dir>/<owner>+<name>/repo.`,
        );
        return 2;
    }
    if (!fs.existsSync(MIRROR)) throw new SourceError(`--mirror ${MIRROR}: no such directory`);
    for (const unknown of (ONLY ?? []).filter((n) => !(n in TABLES))) {
        console.error(`--only ${unknown}: expected one of ${Object.keys(TABLES).join(", ")}`);
        return 2;
    }
    for (const [name, build] of Object.entries(TABLES)) if (!ONLY || ONLY.includes(name)) build();
    return 0;
}

runMain(
    () => {
        try {
            return main();
        } catch (err) {
            if (!(err instanceof SourceError)) throw err;
            console.error(`replace-tables: ${err.message}`);
            return 1;
        }
    },
    { stack: true },
);
