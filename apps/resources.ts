/**
 * Requests and limits of the platform's own long-running components, in one table per workload.
 * One table feeds the manifests, the resource-fit check and config validation (LimitRange
 * ceilings), so they cannot drift apart; it imports nothing from the layer, so every part of it
 * (config, Airflow, PostgreSQL, Todo, stream) can read it without an import circle.
 */
import { cpuMilli, memoryMiB } from "../lib/quantity";

/** CPU and memory of one container: requests, and limits where a ceiling matters. */
export interface Resources {
    readonly cpu: string;
    readonly memory: string;
    readonly cpuLimit?: string;
    readonly memoryLimit?: string;
}

/** Every long-running Airflow component (chart values and fit read the same rows). */
export const AIRFLOW_RESOURCES = {
    scheduler: { cpu: "250m", memory: "768Mi", cpuLimit: "1", memoryLimit: "1536Mi" },
    apiServer: { cpu: "250m", memory: "1Gi", cpuLimit: "1", memoryLimit: "2Gi" },
    dagProcessor: { cpu: "100m", memory: "512Mi", cpuLimit: "500m", memoryLimit: "1Gi" },
    triggerer: { cpu: "100m", memory: "384Mi", cpuLimit: "500m", memoryLimit: "768Mi" },
    gitSync: { cpu: "20m", memory: "64Mi", cpuLimit: "200m", memoryLimit: "128Mi" },
    pgbouncer: { cpu: "50m", memory: "64Mi", cpuLimit: "250m", memoryLimit: "128Mi" },
    pgbouncerExporter: { cpu: "20m", memory: "32Mi", cpuLimit: "100m", memoryLimit: "64Mi" },
    statsd: { cpu: "50m", memory: "64Mi", cpuLimit: "200m", memoryLimit: "128Mi" },
    /** Migration, create-user and pod-cleanup jobs: short-lived, but they run during installs. */
    job: { cpu: "100m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
} as const satisfies Record<string, Resources>;

/** The PostgreSQL StatefulSet every database of this layer runs (Airflow's and Todo's), and its dump job. */
export const POSTGRES_RESOURCES = {
    server: { cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    backup: { cpu: "100m", memory: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
} as const satisfies Record<string, Resources>;

export function k8sResources(r: Resources): { requests: Record<string, string>; limits?: Record<string, string> } {
    const limits: Record<string, string> = {};
    if (r.cpuLimit) limits.cpu = r.cpuLimit;
    if (r.memoryLimit) limits.memory = r.memoryLimit;
    return { requests: { cpu: r.cpu, memory: r.memory }, ...(Object.keys(limits).length > 0 ? { limits } : {}) };
}

/** The largest limit of any one component: the smallest per-task quota must leave room for it. */
export function largestComponentLimit(): { cpuMilli: number; memoryMiB: number } {
    const all: Resources[] = [...Object.values(AIRFLOW_RESOURCES), ...Object.values(POSTGRES_RESOURCES)];
    return {
        cpuMilli: Math.max(...all.map((r) => cpuMilli(r.cpuLimit ?? r.cpu))),
        memoryMiB: Math.max(...all.map((r) => memoryMiB(r.memoryLimit ?? r.memory))),
    };
}
