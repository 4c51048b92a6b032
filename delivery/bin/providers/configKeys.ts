/**
 * `npm run provider-config`: the configuration each provider accepts from a stack file
 * (`openstack:authUrl`, `tls:proxy`, …), read from the SDK packages installed at the versions the
 * lockfile pins, written to `lib/config/providerConfig.json` for the config reader. The SDKs are
 * generated from each provider's schema: `config/vars.d.ts` declares its config variables; a
 * package without it has none; pulumi-kubernetes declares them as the Provider's arguments
 * (its schema's config variables and provider inputs are the same set).
 */
import * as fs from "fs";
import * as path from "path";

export type ProviderKeyType = "string" | "boolean" | "number" | "object";

export interface ProviderConfigTable {
    readonly package: string;
    readonly version: string;
    /** The file of the package the keys were read from (none: the package declares no config). */
    readonly source: string;
    readonly keys: Record<string, ProviderKeyType>;
}

const PROVIDERS: Record<string, { package: string; from: "vars" | "providerArgs" }> = {
    openstack: { package: "@pulumi/openstack", from: "vars" },
    kubernetes: { package: "@pulumi/kubernetes", from: "providerArgs" },
    tls: { package: "@pulumi/tls", from: "vars" },
    random: { package: "@pulumi/random", from: "vars" },
    command: { package: "@pulumi/command", from: "vars" },
};

export const TABLE_FILE = path.join(__dirname, "..", "..", "..", "lib", "config", "providerConfig.json");

function keyType(declared: string): ProviderKeyType {
    const t = declared
        .replace(/pulumi\.Input<(.*)>/, "$1")
        .replace(/\|\s*undefined/g, "")
        .trim();
    if (t === "string" || t === "boolean" || t === "number") return t;
    return "object";
}

/** `export declare const name: type;` (types may span lines: only the first line's start matters). */
export function varsKeys(dts: string): Record<string, ProviderKeyType> {
    const keys: Record<string, ProviderKeyType> = {};
    for (const m of dts.matchAll(/^export declare const (\w+): ([^;\n]*)/gm)) keys[m[1]] = keyType(m[2].endsWith("{") ? "{" : m[2]);
    return keys;
}

/** The members of `export interface ProviderArgs { … }`. */
export function providerArgsKeys(dts: string): Record<string, ProviderKeyType> {
    const body = /export interface ProviderArgs \{([\s\S]*?)\n\}/.exec(dts)?.[1];
    if (!body) throw new Error("no ProviderArgs interface in provider.d.ts");
    const keys: Record<string, ProviderKeyType> = {};
    for (const m of body.matchAll(/^\s+(?:readonly )?(\w+)\?: (.*);$/gm)) keys[m[1]] = keyType(m[2]);
    return keys;
}

/** The table for every provider namespace a stack file may use, from the installed packages. */
export function readProviderConfig(nodeModules: string): Record<string, ProviderConfigTable> {
    const out: Record<string, ProviderConfigTable> = {};
    for (const [ns, p] of Object.entries(PROVIDERS)) {
        const dir = path.join(nodeModules, p.package);
        const version = (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version.replace(
            /^v/,
            "",
        );
        const source = p.from === "vars" ? "config/vars.d.ts" : "provider.d.ts";
        const file = path.join(dir, source);
        if (!fs.existsSync(file)) {
            out[ns] = { package: p.package, version, source: "", keys: {} };
            continue;
        }
        const text = fs.readFileSync(file, "utf8");
        out[ns] = { package: p.package, version, source, keys: p.from === "vars" ? varsKeys(text) : providerArgsKeys(text) };
    }
    return out;
}

if (require.main === module) {
    const table = readProviderConfig(path.join(__dirname, "..", "..", "..", "node_modules"));
    fs.writeFileSync(TABLE_FILE, `${JSON.stringify(table, null, 2)}\n`);
    console.log(
        `wrote ${path.relative(process.cwd(), TABLE_FILE)}: ${Object.entries(table)
            .map(([ns, t]) => `${ns} ${t.version} (${Object.keys(t.keys).length} keys)`)
            .join(", ")}`,
    );
}
