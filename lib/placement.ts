/**
 * Placing workloads on agent pools: a pool named in config (e.g. cluster `kafkaPool`, apps
 * `airflowTaskPool`) becomes a nodeSelector (the pool's labels from infra) and tolerations (its
 * taints). Everything not placed stays on untainted pools. Pure functions over the infra
 * layer's `nodePools` output.
 */
import type { NodePoolCapacity } from "./contracts";

export interface Toleration {
    readonly key: string;
    readonly operator: "Equal" | "Exists";
    readonly value?: string;
    readonly effect: string;
}

export interface Placement {
    readonly pool: string;
    readonly nodeSelector: Record<string, string>;
    readonly tolerations: Toleration[];
}

/** Tolerations that let a pod onto nodes with these taints (`key[=value]:Effect`). */
export function tolerationsFor(taints: readonly string[]): Toleration[] {
    return taints.map((taint) => {
        const [kv, effect] = [taint.slice(0, taint.lastIndexOf(":")), taint.slice(taint.lastIndexOf(":") + 1)];
        const eq = kv.indexOf("=");
        return eq < 0
            ? { key: kv, operator: "Exists", effect }
            : { key: kv.slice(0, eq), operator: "Equal", value: kv.slice(eq + 1), effect };
    });
}

/** True for pools that take pods placed nowhere in particular: no taints, not tainted servers. */
export function isGeneralPool(pool: NodePoolCapacity): boolean {
    return !pool.tainted && (pool.taints ?? []).length === 0;
}

/**
 * The placement on `poolName` from the infra pools, or an error naming `key`: the pool must exist
 * and carry labels to select it by (agentPools.<pool>.labels).
 */
export function placementOn(key: string, poolName: string, pools: readonly NodePoolCapacity[]): Placement {
    const pool = pools.find((p) => p.pool === poolName);
    const known = pools.filter((p) => p.pool).map((p) => p.pool);
    if (!pool) {
        throw new Error(
            `${key} = "${poolName}": the infra layer has no agent pool "${poolName}" (its pools: ` +
                `${known.join(", ") || "none published; update the infra stack"})`,
        );
    }
    const labels = pool.labels ?? {};
    if (Object.keys(labels).length === 0) {
        throw new Error(
            `${key} = "${poolName}": pool "${poolName}" has no labels to select its nodes by; give ` +
                `agentPools.${poolName}.labels a label (e.g. {"workload": "${poolName}"}) in the infra stack`,
        );
    }
    return { pool: poolName, nodeSelector: { ...labels }, tolerations: tolerationsFor(pool.taints ?? []) };
}

/** Required node affinity equal to a nodeSelector (for pod templates that have no nodeSelector, e.g. Strimzi's). */
export function nodeAffinityFor(nodeSelector: Record<string, string>): Record<string, unknown> {
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                    {
                        matchExpressions: Object.keys(nodeSelector)
                            .sort()
                            .map((k) => ({ key: k, operator: "In", values: [nodeSelector[k]] })),
                    },
                ],
            },
        },
    };
}
