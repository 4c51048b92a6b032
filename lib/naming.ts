import { createHash } from "crypto";

/**
 * A short, stable hash of a JSON-serialisable spec (keys sorted), used to name immutable things
 * after what they are: a node whose spec changes gets a new name and joins as a new k3s node.
 */
export function specHash(spec: unknown, length = 6): string {
    return createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, length);
}

/** JSON with object keys sorted recursively, so equal values serialise identically. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(sortKeys(value));
}

export function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value as Record<string, unknown>)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/**
 * The `clusterIdentifier` of every Kubernetes provider of an environment (cluster and apps
 * layers alike). pulumi-kubernetes replaces a provider, and with it every object it manages,
 * when this value changes; without it, whenever the kubeconfig's active cluster entry changes
 * (API address, CA, server name). So it names the environment's cluster and nothing about how
 * it is reached: a new floating IP or CA is an update of the provider, never a replacement.
 */
export function kubernetesClusterIdentifier(environment: string): string {
    return `data-platform-k3s-${environment}`;
}
