/**
 * Airflow task pods' default requests and limits and the namespace quota over them, checked
 * against each other, and the quota and LimitRange (taskGuards) the namespace gets from them.
 */
import type { ConfigReader } from "../../lib/config/reader";
import { cpuMilli, memoryMiB, positiveQuantity, Quantity, scaleQuantity } from "../../lib/quantity";
import { largestComponentLimit, type Resources } from "../resources";

export interface TaskQuota {
    readonly cpu: string;
    readonly memory: string;
    readonly pods: number;
}

/** `airflowTask*` and `airflowTaskQuota*`: one task pod's resources and the ceiling for all of them. */
export function readAirflowTasks(r: ConfigReader): { task: Resources; taskQuota: TaskQuota } {
    const cpu = (key: string, fallback: string) =>
        r.string(key, { default: fallback, check: positiveQuantity('a CPU quantity like "250m" or "1"') });
    const memory = (key: string, fallback: string) =>
        r.string(key, { default: fallback, check: positiveQuantity('a memory quantity like "512Mi" or "2Gi"') });
    const task: Resources = {
        cpu: cpu("airflowTaskCpu", "250m"),
        memory: memory("airflowTaskMemory", "512Mi"),
        cpuLimit: cpu("airflowTaskCpuLimit", "1"),
        memoryLimit: memory("airflowTaskMemoryLimit", "1Gi"),
    };
    const taskQuota = {
        cpu: cpu("airflowTaskQuotaCpu", "2"),
        memory: memory("airflowTaskQuotaMemory", "4Gi"),
        pods: r.integer("airflowTaskQuotaPods", { default: 8, min: 1, max: 200 }),
    };
    // A default task pod must fit the quota, or no task could ever start.
    if (safe(() => cpuMilli(task.cpu) > cpuMilli(taskQuota.cpu)) || safe(() => memoryMiB(task.memory) > memoryMiB(taskQuota.memory))) {
        r.problem(
            "airflowTaskQuotaCpu",
            `${taskQuota.cpu}/${taskQuota.memory}`,
            `must be at least one task pod's requests (${task.cpu}/${task.memory})`,
        );
    }
    // The namespace's LimitRange caps every container at twice the task quota (see
    // airflow/airflow.ts); the Airflow components share the namespace and must stay under it.
    const largest = largestComponentLimit();
    if (safe(() => 2 * cpuMilli(taskQuota.cpu) < largest.cpuMilli) || safe(() => 2 * memoryMiB(taskQuota.memory) < largest.memoryMiB)) {
        r.problem(
            "airflowTaskQuotaCpu",
            `${taskQuota.cpu}/${taskQuota.memory}`,
            `must be at least half the largest Airflow component limit ` +
                `(${largest.cpuMilli / 2}m/${largest.memoryMiB / 2}Mi), which the namespace LimitRange derives from it`,
        );
    }
    if (
        safe(() => cpuMilli(task.cpu) > cpuMilli(task.cpuLimit ?? task.cpu)) ||
        safe(() => memoryMiB(task.memory) > memoryMiB(task.memoryLimit ?? task.memory))
    ) {
        r.problem(
            "airflowTaskCpuLimit",
            `${task.cpuLimit}/${task.memoryLimit}`,
            `limits must be at least the requests (${task.cpu}/${task.memory})`,
        );
    }
    // The derived LimitRange (airflow.ts) gives containers the task limits by default and caps
    // them at twice the quota: a default above the cap would be rejected by the API server.
    const cap = (q: string) => Quantity.parse(q).times(2);
    if (safe(() => Quantity.parse(task.cpuLimit ?? task.cpu).compare(cap(taskQuota.cpu)) > 0)) {
        r.problem(
            "airflowTaskCpuLimit",
            task.cpuLimit,
            `must be at most the LimitRange max, twice airflowTaskQuotaCpu (${cap(taskQuota.cpu).formatCpu()})`,
        );
    }
    if (safe(() => Quantity.parse(task.memoryLimit ?? task.memory).compare(cap(taskQuota.memory)) > 0)) {
        r.problem(
            "airflowTaskMemoryLimit",
            task.memoryLimit,
            `must be at most the LimitRange max, twice airflowTaskQuotaMemory (${cap(taskQuota.memory).formatBytes()})`,
        );
    }
    return { task, taskQuota };
}

/** A comparison of quantities that fails to parse is not a problem here: the key's own check reports it. */
function safe(fn: () => boolean): boolean {
    try {
        return fn();
    } catch {
        return false;
    }
}

/** The PriorityClass of task pods: the quota below counts only pods of this class. */
export const TASK_PRIORITY_CLASS = "airflow-task";

/**
 * Quota and defaults for task pods. Task pods run in the Airflow namespace (they need its
 * config, secrets and the RWX logs claim, all namespaced), so the quota is scoped to the task
 * PriorityClass: a runaway DAG exhausts only the task budget, never the room the scheduler or
 * api-server need to restart.
 */
export function taskGuards(
    config: { readonly task: Resources; readonly taskQuota: TaskQuota },
    namespace: string,
): { quota: Record<string, unknown>; limitRange: Record<string, unknown> } {
    const double = (q: string, kind: "cpu" | "bytes") => scaleQuantity(q, 2, kind);
    return {
        quota: {
            apiVersion: "v1",
            kind: "ResourceQuota",
            metadata: { name: "airflow-tasks", namespace },
            spec: {
                hard: {
                    "requests.cpu": config.taskQuota.cpu,
                    "requests.memory": config.taskQuota.memory,
                    // Limits may burst to twice the requests: tasks are batch work.
                    "limits.cpu": double(config.taskQuota.cpu, "cpu"),
                    "limits.memory": double(config.taskQuota.memory, "bytes"),
                    pods: String(config.taskQuota.pods),
                },
                scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: [TASK_PRIORITY_CLASS] }] },
            },
        },
        limitRange: {
            apiVersion: "v1",
            kind: "LimitRange",
            metadata: { name: "airflow-defaults", namespace },
            spec: {
                limits: [
                    {
                        type: "Container",
                        // Containers that state nothing (e.g. a DAG's pod_override without
                        // resources) get the task defaults instead of running unbounded.
                        defaultRequest: { cpu: config.task.cpu, memory: config.task.memory },
                        default: { cpu: config.task.cpuLimit ?? config.task.cpu, memory: config.task.memoryLimit ?? config.task.memory },
                        max: { cpu: double(config.taskQuota.cpu, "cpu"), memory: double(config.taskQuota.memory, "bytes") },
                    },
                ],
            },
        },
    };
}
