/**
 * Component type tokens: `data-platform:<layer>:<Kind>`, one prefix for every layer (the stack
 * config's namespace). The infra layer's first components were typed `platform:infra:<Kind>`; they
 * carry that token as an alias, so the engine matches their existing state — and through them
 * their children's, whose URNs embed the parent's type — and replaces nothing.
 */
import * as pulumi from "@pulumi/pulumi";

export const TYPE_PREFIX = "data-platform";

export type ComponentLayer = "infra" | "cluster" | "apps";

/** The type token of a component of a layer. */
export function componentType(layer: ComponentLayer, kind: string): string {
    return `${TYPE_PREFIX}:${layer}:${kind}`;
}

/** Components deployed under another token before; the token they had, by current token. */
export const FORMER_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
    ["AgentPool", "BackupStore", "CiRunner", "ClusterNetwork", "ClusterPki", "ClusterSecurityGroups", "K3sCluster", "K3sNode"].map(
        (kind) => [componentType("infra", kind), `platform:infra:${kind}`],
    ),
);

/** Whether a resource type is that component's token, now or formerly (synth results of older code). */
export function isComponent(type: string, layer: ComponentLayer, kind: string): boolean {
    const now = componentType(layer, kind);
    return type === now || type === FORMER_TYPES[now];
}

/** A URN with every component token in its type chain as it was before (`urn:pulumi:<stack>::<project>::<types>::<name>`). */
export function formerUrn(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 4) return urn;
    parts[2] = parts[2]
        .split("$")
        .map((t) => FORMER_TYPES[t] ?? t)
        .join("$");
    return parts.join("::");
}

/** The URN a resource had under the former tokens: an alias parent for children that moved as well. */
export function formerUrnOf(resource: pulumi.Resource): pulumi.Output<string> {
    return resource.urn.apply(formerUrn);
}

/**
 * The component's options with aliases to its former type token, if it had one: under its parent,
 * and under each former parent its other aliases name (the engine multiplies a parent's aliases
 * into its children's, but not an alias's own parent's).
 */
export function withFormerType(
    type: string,
    opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.ComponentResourceOptions | undefined {
    const former = FORMER_TYPES[type];
    if (!former) return opts;
    const own = opts?.aliases ?? [];
    const moved = own.filter(
        (a): a is pulumi.Alias => typeof a === "object" && a !== null && !pulumi.Output.isInstance(a) && "parent" in a && !("type" in a),
    );
    return { ...opts, aliases: [...own, { type: former }, ...moved.map((a) => ({ ...a, type: former }))] };
}
