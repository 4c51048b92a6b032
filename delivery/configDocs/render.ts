/**
 * docs/config.md: every key of every layer as the reader defines it (kind, default, allowed
 * values, secret), with what a change does (irreversible-change rules, node replacement) and
 * what it is for. Refuses to render when a key read has no description, a description names a
 * key nothing reads, or a default depends on the configuration without words for it.
 */
import { IRREVERSIBLE_KINDS, IrreversibleKind } from "../diff/irreversible";
import { SECRET_KEYS } from "../../lib/config/secrets";
import type { KeyUse } from "../../lib/config/keyUse";
import { collectLayer, KeyRef, NAMESPACE } from "./collect";
import type { KeyDoc, KeyDocs } from "./keyDoc";
import type { Layer } from "./variants";
import { INFRA_KEYS } from "./keys/infra";
import { CLUSTER_KEYS } from "./keys/cluster";
import { APPS_KEYS } from "./keys/apps";
import { renderProviderSettings } from "./providers";

export const KEY_DOCS: Readonly<Record<Layer, KeyDocs>> = { infra: INFRA_KEYS, cluster: CLUSTER_KEYS, apps: APPS_KEYS };
const LAYERS: readonly Layer[] = ["infra", "cluster", "apps"];

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
const code = (v: string) => "`" + v + "`";

function showDefault(json: string): string {
    const v: unknown = JSON.parse(json);
    return code(typeof v === "string" ? v : JSON.stringify(v));
}

/** What a check allows: what it says about a value nothing accepts. */
function checkAllows(check: KeyUse["check"]): string | undefined {
    try {
        // Messages that quote the value end in "; got ..."; the rest is what is allowed.
        return check?.("\u0000")
            ?.replace(/^must (be )?/, "")
            .replace(/; got .*$/, "");
    } catch {
        return undefined;
    }
}

function range(u: KeyUse): string {
    if (u.min !== undefined && u.max !== undefined) return ` ${u.min}–${u.max}`;
    if (u.min !== undefined) return ` ≥ ${u.min}`;
    if (u.max !== undefined) return ` ≤ ${u.max}`;
    return "";
}

const TYPE: Record<KeyUse["kind"], string> = {
    read: "structure",
    known: "structure",
    string: "string",
    oneOf: "one of",
    integer: "integer",
    boolean: "boolean",
    json: "structure",
    list: "list",
    map: "map",
    secret: "string",
};

function allowed(ref: KeyRef, doc: KeyDoc): string {
    if (doc.allowed) return doc.allowed;
    const u = ref.uses.find((x) => x.kind === ref.kind)!;
    switch (ref.kind) {
        case "oneOf":
            return (u.values ?? []).map(code).join(", ");
        case "integer":
            return `decimal integer${range(u)}`;
        case "boolean":
            return "`true` or `false`";
        case "map":
            return "map of string to string";
        case "list": {
            const item = checkAllows(u.check);
            return `list${u.minItems ? ` of at least ${u.minItems}` : ""}, each entry once${item ? `; each ${item}` : ""}`;
        }
        case "json":
            return u.allowed ?? "structure";
        case "secret":
            return SECRET_KEYS[ref.key]?.what ?? "a credential";
        default: {
            const uses = ref.uses.filter((x) => x.kind === "string");
            return uses.map((x) => x.allowed).find(Boolean) ?? uses.map((x) => checkAllows(x.check)).find(Boolean) ?? "non-empty string";
        }
    }
}

function defaultText(layer: Layer, ref: KeyRef, doc: KeyDoc): string {
    if (doc.default) return doc.default;
    if (ref.defaults.length > 1)
        throw new Error(
            `${layer} key ${ref.key}: its default depends on the configuration (${ref.defaults.join(", ")}); say ` +
                `it in words (default) in delivery/configDocs/keys/${layer}.ts`,
        );
    if (ref.defaults.length === 1) return showDefault(ref.defaults[0]);
    return ref.required ? "**required**" : "unset";
}

function changeText(doc: KeyDoc, replaces: string | undefined): string {
    const parts: string[] = [];
    if (replaces) parts.push(`replaces ${replaces}`);
    if (doc.irreversible?.length) parts.push(`**irreversible**: ${doc.irreversible.map(code).join(", ")}`);
    return parts.join("; ");
}

/** Keys per layer with their docs; throws on every gap between reader and descriptions. */
export function checkedLayer(layer: Layer, refs: readonly KeyRef[] = collectLayer(layer)): { ref: KeyRef; doc: KeyDoc }[] {
    const docs = KEY_DOCS[layer];
    const gaps: string[] = [];
    for (const ref of refs) {
        const doc = docs[ref.key];
        if (!doc) gaps.push(`${ref.key} is read by the ${layer} layer but has no description in delivery/configDocs/keys/${layer}.ts`);
        else if ((ref.kind === "read" || ref.kind === "known") && !doc.allowed && !doc.retired) {
            gaps.push(
                `${ref.key} is never parsed by the reference configurations ` +
                    `(delivery/configDocs/variants.ts): set it in one so the reader says what it allows`,
            );
        }
    }
    for (const key of Object.keys(docs))
        if (!refs.some((r) => r.key === key))
            gaps.push(`${key} is described in delivery/configDocs/keys/${layer}.ts but the ${layer} layer never reads it`);
    if (gaps.length > 0) throw new Error(`docs/config.md cannot be generated:\n  - ${gaps.join("\n  - ")}`);
    return refs.map((ref) => ({ ref, doc: docs[ref.key] }));
}

export interface RenderInput {
    readonly layers: Readonly<Record<Layer, readonly { ref: KeyRef; doc: KeyDoc }[]>>;
    /** Per infra key, which nodes a change replaces (derived from the node names). */
    readonly replaces: Readonly<Record<string, string>>;
}

export function renderConfigDocs(input: RenderInput): string {
    const used = new Set(LAYERS.flatMap((l) => input.layers[l].flatMap(({ doc }) => doc.irreversible ?? [])));
    const missing = (Object.keys(IRREVERSIBLE_KINDS) as IrreversibleKind[]).filter((k) => !used.has(k));
    if (missing.length > 0) throw new Error(`irreversible kinds no key names (delivery/configDocs/keys/*.ts): ${missing.join(", ")}`);
    const out: string[] = [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run config-docs` from the layers' config readers; do not edit by hand. -->",
        "",
        `Every key of every layer, as the layer's config reader reads it (keys are \`${NAMESPACE}:<key>\` in`,
        "`stacks/Pulumi.<environment>-<layer>.yaml`). *Type*, *default*, *allowed* and *secret* come from the",
        "reader itself: this file is generated by running each layer's parser over reference configurations",
        "(`delivery/configDocs/variants.ts`), and a test fails when it is stale. Every problem is reported at",
        "once, before any resource exists; a key not listed here is refused with its file and the nearest key.",
        "",
        "- **Secret** keys must be set with `pulumi config set --secret <key> <value>` (a `secure:` value); a",
        "  plain one is refused, and so is one the configuration does not use.",
        "- **Integers** are plain decimals (`0x10`, `1e3`, `010`, `1_000` are refused), written quoted in YAML.",
        "- **On change**: *replaces …* is derived from the nodes' names (a node is replaced exactly when its",
        "  name changes, [infra.md](infra.md#immutable-nodes)); **irreversible** changes are marked in",
        "  `npm run diff` and the PR comment and refused by `npm run up` unless `--allow <kind>`",
        "  (`delivery/diff/irreversible.ts`).",
        "- Example values (documentation addresses, `example.org` hosts, fake keys) synthesize, but `npm run up`",
        "  refuses to apply while any is left.",
        "",
    ];
    for (const layer of LAYERS) {
        const rows = input.layers[layer];
        out.push(`## ${layer}`, "", "| Key | Type | Default | Allowed | Secret | On change | Meaning |", "|---|---|---|---|---|---|---|");
        for (const { ref, doc } of rows.filter((r) => !r.doc.retired)) {
            const type = ref.kind === "oneOf" ? "string" : TYPE[ref.kind];
            const replaces = layer === "infra" ? input.replaces[ref.key] : undefined;
            const secret = ref.secret ? "**secret**" : "";
            const cells = [
                code(ref.key),
                type,
                defaultText(layer, ref, doc),
                allowed(ref, doc),
                secret,
                changeText(doc, replaces),
                doc.meaning,
            ];
            out.push(`| ${cells.map(cell).join(" | ")} |`);
        }
        const retired = rows.filter((r) => r.doc.retired);
        if (retired.length > 0) {
            out.push(
                "",
                `Retired ${layer} keys, refused with what replaced them: ` +
                    `${retired.map(({ ref, doc }) => `${code(ref.key)} (${doc.meaning}; now ${doc.retired})`).join(", ")}.`,
            );
        }
        out.push("");
    }
    out.push(...renderProviderSettings());
    out.push(
        "## Irreversible changes",
        "",
        "Marked in the offline diff and the PR comment; `npm run up` and the deploy workflow refuse them unless",
        "`--allow <kind>` names them; `npm run rollback` checks the same rules.",
        "",
        "| `--allow` kind | What |",
        "|---|---|",
    );
    for (const [kind, what] of Object.entries(IRREVERSIBLE_KINDS)) out.push(`| ${code(kind)} | ${cell(what)} |`);
    return out.join("\n") + "\n";
}
