/**
 * Resource fit: do the CPU/memory requests a layer (or a whole environment) places fit on the
 * nodes infra creates, with headroom? Pure functions over Kubernetes quantities; per node (pods,
 * DaemonSets): nodeFit.ts.
 */
import type { NodePoolCapacity, ResourceRequests } from "./contracts";

import { cpuMilli, memoryMiB } from "./quantity";
import { isGeneralPool } from "./placement";

/** Re-exported: the one quantity parser (lib/quantity.ts). */
export { cpuMilli, memoryMiB };

export interface RequestItem {
    /** What asks for the resources, e.g. "kafka broker (x3)". */
    readonly name: string;
    readonly cpu: string;
    readonly memory: string;
    readonly replicas?: number;
    /** The pod this container belongs to (containers of one pod share a node); default: its own pod. */
    readonly pod?: string;
    /** A DaemonSet: one pod on every node (`all`) or every server (`servers`), not placed by the scheduler. */
    readonly perNode?: "all" | "servers";
    /** Tolerates the control-plane taint (may run on tainted servers). */
    readonly controlPlane?: boolean;
    /** Containers of this size in each pod (sidecars); `replicas` counts them in the sums. */
    readonly containers?: number;
    /** Not one pod but a budget (a ResourceQuota): counted in the sums, not checked per pod. */
    readonly budget?: boolean;
    /** Config keys that set this item's requests (e.g. `kafkaBrokerMemory`), named when it does not fit. */
    readonly configKeys?: readonly string[];
    /** Placed on this agent pool (nodeSelector + tolerations): counted against it alone. */
    readonly pool?: string;
}

export function sumRequests(items: readonly RequestItem[]): ResourceRequests {
    return items.reduce<ResourceRequests>(
        (acc, item) => ({
            cpuMilli: acc.cpuMilli + cpuMilli(item.cpu) * (item.replicas ?? 1),
            memoryMiB: acc.memoryMiB + memoryMiB(item.memory) * (item.replicas ?? 1),
        }),
        { cpuMilli: 0, memoryMiB: 0 },
    );
}

export function addRequests(...parts: readonly ResourceRequests[]): ResourceRequests {
    return parts.reduce((a, b) => ({ cpuMilli: a.cpuMilli + b.cpuMilli, memoryMiB: a.memoryMiB + b.memoryMiB }), {
        cpuMilli: 0,
        memoryMiB: 0,
    });
}

/**
 * Memory k3s and the OS keep for themselves on every node (kubelet, containerd, k3s server on
 * servers): allocatable is capacity minus this.
 */
export const SYSTEM_RESERVED = {
    server: { cpuMilli: 500, memoryMiB: 1536 },
    agent: { cpuMilli: 200, memoryMiB: 512 },
} as const;

/** Pools that take ordinary pods: servers with the control-plane taint and tainted agent pools do not. */
export function schedulablePools(pools: readonly NodePoolCapacity[]): NodePoolCapacity[] {
    return pools.filter(isGeneralPool);
}

/** Allocatable CPU/memory of the pools that take ordinary pods (tainted servers and pools left out). */
export function allocatable(pools: readonly NodePoolCapacity[]): ResourceRequests {
    return capacityOf(schedulablePools(pools));
}

/** Allocatable CPU/memory of exactly these pools. */
export function capacityOf(pools: readonly NodePoolCapacity[]): ResourceRequests {
    return pools.reduce<ResourceRequests>(
        (acc, pool) => ({
            cpuMilli: acc.cpuMilli + pool.count * Math.max(0, pool.vcpus * 1000 - SYSTEM_RESERVED[pool.role].cpuMilli),
            memoryMiB: acc.memoryMiB + pool.count * Math.max(0, pool.memoryMiB - SYSTEM_RESERVED[pool.role].memoryMiB),
        }),
        { cpuMilli: 0, memoryMiB: 0 },
    );
}

export interface FitReport {
    readonly requested: ResourceRequests;
    readonly allocatable: ResourceRequests;
    /** Fraction of allocatable left free (0.25 = 25 % headroom); negative when over. */
    readonly cpuHeadroom: number;
    readonly memoryHeadroom: number;
}

export function fitReport(requested: ResourceRequests, pools: readonly NodePoolCapacity[]): FitReport {
    const alloc = allocatable(pools);
    return {
        requested,
        allocatable: alloc,
        cpuHeadroom: alloc.cpuMilli === 0 ? -1 : 1 - requested.cpuMilli / alloc.cpuMilli,
        memoryHeadroom: alloc.memoryMiB === 0 ? -1 : 1 - requested.memoryMiB / alloc.memoryMiB,
    };
}

/**
 * Throws a clear error when `requested` does not fit `pools` with at least `minHeadroom`
 * (0.2 = 20 %) of CPU and memory left free.
 */
export function assertFits(scope: string, requested: ResourceRequests, pools: readonly NodePoolCapacity[], minHeadroom: number): FitReport {
    const report = fitReport(requested, pools);
    const problems: string[] = [];
    const pct = (x: number) => `${Math.round(x * 100)} %`;
    if (report.cpuHeadroom < minHeadroom) {
        problems.push(
            `CPU: requests ${report.requested.cpuMilli}m of ${report.allocatable.cpuMilli}m allocatable ` +
                `(${pct(report.cpuHeadroom)} headroom, need ${pct(minHeadroom)})`,
        );
    }
    if (report.memoryHeadroom < minHeadroom) {
        problems.push(
            `memory: requests ${Math.round(report.requested.memoryMiB)}Mi of ${Math.round(report.allocatable.memoryMiB)}Mi allocatable ` +
                `(${pct(report.memoryHeadroom)} headroom, need ${pct(minHeadroom)})`,
        );
    }
    if (problems.length > 0) {
        const nodes = pools
            .map(
                (p) =>
                    `${p.count}x ${p.flavor} (${p.role}${p.tainted ? ", control-plane taint: not counted" : ""}, ` +
                    `${p.vcpus} vCPU, ${p.memoryMiB} MiB)`,
            )
            .join(" + ");
        throw new Error(
            `${scope} does not fit on ${nodes || "no nodes"}:\n  - ${problems.join("\n  - ")}\n` +
                "Use larger flavors or more agents in the infra stack, or lower the requests/replicas in config.",
        );
    }
    return report;
}

/**
 * The items as the scheduler places them on the schedulable pools: with tainted servers,
 * control-plane-only pods (and per-server DaemonSets) are not counted against the agents, and
 * per-node DaemonSets once per schedulable node.
 */
export function onSchedulable(items: readonly RequestItem[], pools: readonly NodePoolCapacity[]): RequestItem[] {
    const general = new Set(
        schedulablePools(pools)
            .map((p) => p.pool)
            .filter(Boolean),
    );
    // Pods placed on a tainted pool count against that pool alone (assertPlacedFit).
    const placedElsewhere = (i: RequestItem) => i.pool !== undefined && !general.has(i.pool);
    if (!pools.some((p) => !isGeneralPool(p))) return items.filter((i) => !placedElsewhere(i));
    const nodes = schedulablePools(pools).reduce((n, p) => n + p.count, 0);
    return items
        .filter((i) => i.perNode !== "servers" && !i.controlPlane && !placedElsewhere(i))
        .map((i) => (i.perNode === "all" ? { ...i, replicas: nodes * (i.containers ?? 1) } : i));
}

/**
 * Per pool: what is placed on a pool (its pods' requests) must fit that pool's allocatable
 * with `minHeadroom` left; each pool is checked on its own.
 */
export function assertPlacedFit(
    scope: string,
    items: readonly RequestItem[],
    pools: readonly NodePoolCapacity[],
    minHeadroom: number,
): void {
    for (const name of [...new Set(items.map((i) => i.pool).filter((p): p is string => p !== undefined))]) {
        const pool = pools.filter((p) => p.pool === name);
        const placed = items.filter((i) => i.pool === name);
        // The general pools' check already counts what is placed on a general pool; this one is per pool.
        assertFitsOn(`${scope}, on pool "${name}"`, sumRequests(placed), pool, minHeadroom);
    }
}

/** assertFits against exactly these pools (tainted or not). */
function assertFitsOn(scope: string, requested: ResourceRequests, pools: readonly NodePoolCapacity[], minHeadroom: number): void {
    assertFits(
        scope,
        requested,
        pools.map((p) => ({ ...p, tainted: false, taints: [] })),
        minHeadroom,
    );
}
