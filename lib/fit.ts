/**
 * Resource fit: do the CPU/memory requests a layer (or a whole environment) places fit on the
 * nodes infra creates, with headroom? Pure functions over Kubernetes quantities.
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
                    `${p.count}x ${p.flavor} (${p.role}${p.tainted ? ", control-plane taint: not counted" : ""}, ${p.vcpus} vCPU, ${p.memoryMiB} MiB)`,
            )
            .join(" + ");
        throw new Error(
            `${scope} does not fit on ${nodes || "no nodes"}:\n  - ${problems.join("\n  - ")}\n` +
                "Use larger flavors or more agents in the infra stack, or lower the requests/replicas in config.",
        );
    }
    return report;
}

export interface PodRequests {
    readonly pod: string;
    readonly cpuMilli: number;
    readonly memoryMiB: number;
    readonly controlPlane: boolean;
    /** Config keys that set the pod's requests; empty when fixed in code. */
    readonly configKeys?: readonly string[];
    /** Placed on this pool only. */
    readonly pool?: string;
}

/** Items grouped into pods (containers of one pod summed); DaemonSets and budgets left out. */
export function podsOf(items: readonly RequestItem[]): PodRequests[] {
    const pods = new Map<string, PodRequests>();
    for (const item of items) {
        if (item.perNode || item.budget) continue;
        const key = item.pod ?? item.name;
        const prev = pods.get(key) ?? { pod: key, cpuMilli: 0, memoryMiB: 0, controlPlane: false };
        const configKeys = [...(prev.configKeys ?? []), ...(item.configKeys ?? [])];
        pods.set(key, {
            pod: key,
            cpuMilli: prev.cpuMilli + cpuMilli(item.cpu) * (item.containers ?? 1),
            memoryMiB: prev.memoryMiB + memoryMiB(item.memory) * (item.containers ?? 1),
            controlPlane: prev.controlPlane || !!item.controlPlane,
            ...((item.pool ?? prev.pool) ? { pool: item.pool ?? prev.pool } : {}),
            ...(configKeys.length ? { configKeys } : {}),
        });
    }
    return [...pods.values()];
}

/** A DaemonSet with a pod on every node of `role`. */
function runsOnEveryNode(item: RequestItem, role: "server" | "agent"): boolean {
    return item.perNode === "all" || (item.perNode === "servers" && role === "server");
}

/** What DaemonSets take on one node of a role (one pod per node each). */
export function perNodeRequests(items: readonly RequestItem[], role: "server" | "agent"): ResourceRequests {
    return sumRequests(items.filter((i) => runsOnEveryNode(i, role)).map((i) => ({ ...i, replicas: i.containers ?? 1 })));
}

export interface NodeRoom {
    readonly pool: NodePoolCapacity;
    /** Allocatable after system reservations and DaemonSets. */
    readonly free: ResourceRequests;
}

/** Room for pods on one node of each pool: capacity − system reservation − DaemonSets. */
export function nodeRooms(
    pools: readonly NodePoolCapacity[],
    daemonSets: { server: ResourceRequests; agent: ResourceRequests },
): NodeRoom[] {
    return pools.map((pool) => ({
        pool,
        free: {
            cpuMilli: pool.vcpus * 1000 - SYSTEM_RESERVED[pool.role].cpuMilli - daemonSets[pool.role].cpuMilli,
            memoryMiB: pool.memoryMiB - SYSTEM_RESERVED[pool.role].memoryMiB - daemonSets[pool.role].memoryMiB,
        },
    }));
}

/**
 * Every pod must fit on one node it may be scheduled on: a sum that fits the cluster says
 * nothing about a broker asking for 8Gi on 8 GiB nodes. Throws with the numbers of each pod
 * that fits nowhere and of the largest node it could have used.
 */
export function assertPodsFit(scope: string, pods: readonly PodRequests[], rooms: readonly NodeRoom[]): void {
    const problems: string[] = [];
    for (const pod of pods) {
        // A placed pod lands on its pool only; others on untainted pools (and tainted servers when they tolerate that).
        const candidates = rooms.filter((r) =>
            pod.pool
                ? r.pool.pool === pod.pool
                : isGeneralPool(r.pool) || (pod.controlPlane && !!r.pool.tainted && !(r.pool.taints ?? []).length),
        );
        if (candidates.some((r) => pod.cpuMilli <= r.free.cpuMilli && pod.memoryMiB <= r.free.memoryMiB)) continue;
        const largest = [...candidates].sort((a, b) => b.free.memoryMiB - a.free.memoryMiB || b.free.cpuMilli - a.free.cpuMilli)[0];
        const where = largest
            ? `the largest node it may run on, ${largest.pool.flavor} (${largest.pool.role}, ${largest.pool.vcpus} ` +
              `vCPU, ${largest.pool.memoryMiB} MiB), has ` +
              `${largest.free.cpuMilli}m/${Math.round(largest.free.memoryMiB)}Mi left after system reservations ` +
              `(${SYSTEM_RESERVED[largest.pool.role].cpuMilli}m/${SYSTEM_RESERVED[largest.pool.role].memoryMiB}Mi) and DaemonSets`
            : pod.pool
              ? `no node of pool "${pod.pool}" exists`
              : "no node may run it (every pool is tainted)";
        const fix = pod.configKeys?.length
            ? `lower ${pod.configKeys.join(" / ")} in this stack, or use a larger infra agent flavor${pod.controlPlane ? " or serverFlavor" : ""}`
            : `its requests are fixed in code: use a larger infra agent flavor${pod.controlPlane ? " or serverFlavor" : ""} (flavors table in the infra stack)`;
        problems.push(`${pod.pod} requests ${pod.cpuMilli}m/${Math.round(pod.memoryMiB)}Mi; ${where}. Fix: ${fix}`);
    }
    if (problems.length > 0) {
        throw new Error(`${scope}: ${problems.length} pod(s) fit on no node:\n  - ${problems.join("\n  - ")}`);
    }
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

/**
 * DaemonSets are not placed by the scheduler's choice: every node of their role must hold all of
 * them at once, or the pods stay Pending on each node (an ingress controller asking for "200"
 * CPUs instead of "200m"). Throws naming the keys that set their requests.
 */
export function assertDaemonSetsFit(scope: string, items: readonly RequestItem[], pools: readonly NodePoolCapacity[]): void {
    const problems: string[] = [];
    for (const room of nodeRooms(pools, daemonSetsPerRole(items))) {
        if (room.pool.count === 0 || (room.free.cpuMilli >= 0 && room.free.memoryMiB >= 0)) continue;
        const onRole = items.filter((i) => runsOnEveryNode(i, room.pool.role));
        const keys = [...new Set(onRole.flatMap((i) => i.configKeys ?? []))];
        const used = perNodeRequests(items, room.pool.role);
        problems.push(
            `${room.pool.flavor} (${room.pool.role}, ${room.pool.vcpus} vCPU, ${room.pool.memoryMiB} MiB) must ` +
                `run ${onRole.map((i) => i.name).join(", ")} on every node: ` +
                `${used.cpuMilli}m/${Math.round(used.memoryMiB)}Mi requested, ` +
                `${room.pool.vcpus * 1000 - SYSTEM_RESERVED[room.pool.role].cpuMilli}m/${room.pool.memoryMiB - SYSTEM_RESERVED[room.pool.role].memoryMiB}Mi left ` +
                `after system reservations. ` +
                `Fix: ${keys.length ? `lower ${keys.join(" / ")} in this stack, or ` : ""}use a larger ` +
                `${room.pool.role === "server" ? "serverFlavor" : "agent flavor"} in the infra stack`,
        );
    }
    if (problems.length > 0) throw new Error(`${scope}: DaemonSet pods fit on no node of a pool:\n  - ${problems.join("\n  - ")}`);
}

/** DaemonSet requests per node of each role. */
export function daemonSetsPerRole(items: readonly RequestItem[]): { server: ResourceRequests; agent: ResourceRequests } {
    return { server: perNodeRequests(items, "server"), agent: perNodeRequests(items, "agent") };
}
