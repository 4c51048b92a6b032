/**
 * Resource fit: do the CPU/memory requests a layer (or a whole environment) places fit on the
 * nodes infra creates, with headroom? Pure functions over Kubernetes quantities.
 */
import type { NodePoolCapacity, ResourceRequests } from "./contracts";

import { cpuMilli, memoryMiB } from "./quantity";

/** Re-exported: the one quantity parser (lib/quantity.ts). */
export { cpuMilli, memoryMiB };

export interface RequestItem {
    /** What asks for the resources, e.g. "kafka broker (x3)". */
    readonly name: string;
    readonly cpu: string;
    readonly memory: string;
    readonly replicas?: number;
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

export function allocatable(pools: readonly NodePoolCapacity[]): ResourceRequests {
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
        const nodes = pools.map((p) => `${p.count}x ${p.flavor} (${p.role}, ${p.vcpus} vCPU, ${p.memoryMiB} MiB)`).join(" + ");
        throw new Error(
            `${scope} does not fit on ${nodes || "no nodes"}:\n  - ${problems.join("\n  - ")}\n` +
                "Use larger flavors or more agents in the infra stack, or lower the requests/replicas in config.",
        );
    }
    return report;
}
