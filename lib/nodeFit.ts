/**
 * Fit per node: pods must each fit on one node of some pool, and DaemonSets on every node of their
 * role at once, after the system reservation (lib/fit.ts holds the cluster-wide totals).
 */
import type { NodePoolCapacity, ResourceRequests } from "./contracts";
import { cpuMilli, memoryMiB } from "./quantity";
import { RequestItem, sumRequests, SYSTEM_RESERVED } from "./fit";
import { isGeneralPool } from "./placement";

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
        const flavor = `a larger infra agent flavor${pod.controlPlane ? " or serverFlavor" : ""}`;
        const fix = pod.configKeys?.length
            ? `lower ${pod.configKeys.join(" / ")} in this stack, or use ${flavor}`
            : `its requests are fixed in code: use ${flavor} (flavors table in the infra stack)`;
        problems.push(`${pod.pod} requests ${pod.cpuMilli}m/${Math.round(pod.memoryMiB)}Mi; ${where}. Fix: ${fix}`);
    }
    if (problems.length > 0) {
        throw new Error(`${scope}: ${problems.length} pod(s) fit on no node:\n  - ${problems.join("\n  - ")}`);
    }
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
        const reserved = SYSTEM_RESERVED[room.pool.role];
        problems.push(
            `${room.pool.flavor} (${room.pool.role}, ${room.pool.vcpus} vCPU, ${room.pool.memoryMiB} MiB) must ` +
                `run ${onRole.map((i) => i.name).join(", ")} on every node: ` +
                `${used.cpuMilli}m/${Math.round(used.memoryMiB)}Mi requested, ` +
                `${room.pool.vcpus * 1000 - reserved.cpuMilli}m/${room.pool.memoryMiB - reserved.memoryMiB}Mi left ` +
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
