/**
 * Component type tokens: `data-platform:<layer>:<Kind>`, one prefix for every layer (the stack
 * config's namespace). The infra layer's first components were typed `platform:infra:<Kind>`; they
 * carry that token as an alias, so the engine matches their existing state — and through them
 * their children's, whose URNs embed the parent's type — and replaces nothing.
 */
import type * as pulumi from "@pulumi/pulumi";

export const TYPE_PREFIX = "data-platform";

export type ComponentLayer = "infra" | "cluster" | "apps";

/** The type token of a component of a layer. */
export function componentType(layer: ComponentLayer, kind: string): string {
    return `${TYPE_PREFIX}:${layer}:${kind}`;
}

/** Components deployed under another token before; the token they had, by current token. */
export const FORMER_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
    ["AgentPool", "BackupStore", "CiRunner", "ClusterNetwork", "ClusterPki", "ClusterSecurityGroups", "K3sCluster", "K3sNode"].map((kind) => [
        componentType("infra", kind),
        `platform:infra:${kind}`,
    ]),
);

/** The component's options with an alias to its former type token, if it had one. */
export function withFormerType(type: string, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions | undefined {
    const former = FORMER_TYPES[type];
    if (!former) return opts;
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type: former }] };
}
