/**
 * Replace-forcing attributes of a Terraform provider's resources, read from its Go source:
 * SDKv2 schemas (`ForceNew: true`, `customdiff.ForceNewIfChange`) and plugin-framework schemas
 * (`RequiresReplace` plan modifiers), mapped to Pulumi property paths with the bridged
 * provider's `schema.json` and `bridge-metadata.json`.
 */
import { entries, funcBody, literalAfter } from "./gosource";

export interface TfAttr {
    readonly name: string;
    /** "always" for ForceNew/RequiresReplace; "conditional" names the condition. */
    readonly force?: { readonly when?: string };
    readonly children: TfAttr[];
}

const SDK_MAP = /Schema:\s*map\[string\]\*schema\.Schema\{/;
const FW_ATTRS = /Attributes:\s*map\[string\]schema\.Attribute\{/;
const FW_BLOCKS = /Blocks:\s*map\[string\]schema\.Block\{/;

function forceOf(own: string): TfAttr["force"] {
    if (/ForceNew:\s*true/.test(own)) return {};
    const m = /\b([A-Za-z0-9_.]*[Rr]equires?Replace[A-Za-z0-9_]*)\(/.exec(own);
    if (!m) return undefined;
    return /planmodifier\.RequiresReplace$/.test(m[1]) ? {} : { when: m[1] };
}

/** Attributes of a schema body (SDKv2 map literal or framework Attributes/Blocks maps). */
export function attributes(body: string): TfAttr[] {
    return entries(body).map((e) => {
        const nested: string[] = [];
        for (const marker of [SDK_MAP, FW_ATTRS, FW_BLOCKS]) {
            const inner = literalAfter(e.value, new RegExp(marker.source));
            if (inner !== undefined) nested.push(inner);
        }
        return { name: e.key, force: forceOf(e.own), children: nested.flatMap(attributes) };
    });
}

/** The schema of an SDKv2 resource function (`func resourceX() *schema.Resource`). */
export function sdkResource(src: string, func: string): { attrs: TfAttr[]; conditional: { name: string; when: string }[] } {
    const body = funcBody(src, func);
    if (!body) throw new Error(`no func ${func}`);
    const schemaBody = literalAfter(body, new RegExp(SDK_MAP.source));
    if (schemaBody === undefined) throw new Error(`${func}: no inline Schema map`);
    const conditional = [...body.matchAll(/customdiff\.ForceNewIfChange\("([a-z0-9_]+)"/g)].map((m) => ({
        name: m[1],
        when: "customdiff.ForceNewIfChange (only when the old value is empty)",
    }));
    return { attrs: attributes(schemaBody), conditional };
}

/** The current schema of a framework resource: its Schema method, or the function it returns. */
export function frameworkResource(src: string): { typeSuffix: string; attrs: TfAttr[] } {
    const typeSuffix = /resp\.TypeName\s*=\s*req\.ProviderTypeName\s*\+\s*"([a-z0-9_]+)"/.exec(src)?.[1];
    if (!typeSuffix) throw new Error("no TypeName");
    const method = /func\s*\([^)]*\)\s*Schema\(/.exec(src);
    if (!method) throw new Error("no Schema method");
    let body = src.slice(method.index);
    const delegated = /resp\.Schema\s*=\s*([A-Za-z0-9_]+)\(\)/.exec(body.slice(0, 400));
    if (delegated) body = funcBody(src, delegated[1]) ?? "";
    const attrs = literalAfter(body, new RegExp(FW_ATTRS.source)) ?? "";
    const blocksAt = body.search(FW_BLOCKS);
    // Blocks of the top-level schema only: the first Blocks map after the top Attributes map.
    const attrsEnd = body.search(FW_ATTRS) + (attrs.length + 40);
    const blocks = blocksAt > attrsEnd ? (literalAfter(body.slice(blocksAt), new RegExp(FW_BLOCKS.source)) ?? "") : "";
    return { typeSuffix, attrs: [...attributes(attrs), ...attributes(blocks)] };
}

interface PulumiSchema {
    resources: Record<string, { inputProperties?: Record<string, PropSchema> }>;
    types: Record<string, { properties?: Record<string, PropSchema> }>;
}
interface PropSchema {
    type?: string;
    $ref?: string;
    items?: PropSchema;
    willReplaceOnChanges?: boolean;
    replaceOnChanges?: boolean;
}
export interface Metadata {
    renames: { resources: Record<string, string>; renamedProperties: Record<string, Record<string, string>> };
}

function camel(tf: string): string {
    return tf.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export interface ReplaceRule {
    readonly path: string;
    readonly when?: string;
}

/** Pulumi property paths of the replace-forcing attributes of one resource. */
export function pulumiPaths(token: string, attrs: TfAttr[], schema: PulumiSchema, meta: Metadata): ReplaceRule[] {
    const out: ReplaceRule[] = [];
    const walk = (owner: string, props: Record<string, PropSchema> | undefined, list: TfAttr[], prefix: string) => {
        const renamed = Object.fromEntries(Object.entries(meta.renames.renamedProperties[owner] ?? {}).map(([p, tf]) => [tf, p]));
        for (const a of list) {
            const name = renamed[a.name] ?? camel(a.name);
            const prop = props?.[name];
            if (!prop) continue; // output-only or not bridged
            const path = prefix ? `${prefix}.${name}` : name;
            if (a.force) out.push({ path, ...(a.force.when ? { when: a.force.when } : {}) });
            if (a.children.length > 0) {
                const ref = prop.items?.$ref ?? prop.$ref;
                const nestedToken = ref?.replace("#/types/", "");
                if (nestedToken) walk(nestedToken, schema.types[nestedToken]?.properties, a.children, prop.items ? `${path}[*]` : path);
            }
        }
    };
    walk(token, schema.resources[token]?.inputProperties, attrs, "");
    return out;
}

/** What the bridged schema itself marks `willReplaceOnChanges` (the cross-check). */
export function schemaReplacePaths(token: string, schema: PulumiSchema): string[] {
    const out: string[] = [];
    const walk = (props: Record<string, PropSchema> | undefined, prefix: string, seen: Set<string>) => {
        for (const [name, prop] of Object.entries(props ?? {})) {
            const path = prefix ? `${prefix}.${name}` : name;
            if (prop.willReplaceOnChanges || prop.replaceOnChanges) out.push(path);
            const ref = (prop.items?.$ref ?? prop.$ref)?.replace("#/types/", "");
            if (ref && !seen.has(ref)) walk(schema.types[ref]?.properties, prop.items ? `${path}[*]` : path, new Set([...seen, ref]));
        }
    };
    walk(schema.resources[token]?.inputProperties, "", new Set());
    return out.sort();
}

export type { PulumiSchema };
