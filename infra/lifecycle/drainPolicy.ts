/**
 * What a drain may do with each pod of a node, knowing the data platform (pure):
 *  - an Airflow task pod (KubernetesExecutor, label kubernetes_executor=True) is left to finish
 *    until the configured bound has passed since the drain began, then evicted;
 *  - a replica of a quorum (a pod whose controller is a StatefulSet or Strimzi's StrimziPodSet:
 *    brokers, controllers, databases) is never evicted while it is the group's last Ready one;
 *  - everything else goes through the Eviction API, which refuses (HTTP 429) what a
 *    PodDisruptionBudget protects, so every budget is respected; the refusal names the budget.
 * The drain report says what was waited for and how long.
 */
import type { PodObject } from "./kubeApi";

export const AIRFLOW_TASK_LABEL = "kubernetes_executor";
/** Controllers whose pods form a quorum (stateful replicas that elect or replicate). */
export const QUORUM_KINDS: readonly string[] = ["StatefulSet", "StrimziPodSet"];

export const podId = (p: PodObject) => `${p.metadata.namespace}/${p.metadata.name}`;

export function isReady(p: PodObject): boolean {
    return p.status?.phase === "Running" && (p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false);
}

export function isAirflowTask(p: PodObject): boolean {
    return p.metadata.labels?.[AIRFLOW_TASK_LABEL] === "True";
}

/** The quorum a pod belongs to: its controller, when that is a quorum kind. */
export function quorumOf(p: PodObject): { kind: string; name: string; uid: string } | undefined {
    const owner = p.metadata.ownerReferences?.find((o) => o.controller !== false && QUORUM_KINDS.includes(o.kind));
    return owner?.uid ? { kind: owner.kind, name: owner.name ?? owner.uid, uid: owner.uid } : undefined;
}

export type PodDecision = { readonly evict: true } | { readonly evict: false; readonly waitFor: string };

/**
 * One pod's decision. `peers`: the pods of its namespace (for its quorum); `elapsedMs`: since the
 * drain began; `taskGraceMs`: how long Airflow task pods may run on.
 */
export function decide(pod: PodObject, peers: readonly PodObject[], elapsedMs: number, taskGraceMs: number): PodDecision {
    if (isAirflowTask(pod) && elapsedMs < taskGraceMs) {
        return { evict: false, waitFor: `Airflow task pod ${podId(pod)} to finish (bound ${Math.round(taskGraceMs / 1000)} s)` };
    }
    const quorum = quorumOf(pod);
    if (quorum && isReady(pod)) {
        const members = peers.filter((p) => quorumOf(p)?.uid === quorum.uid);
        const readyOthers = members.filter((p) => podId(p) !== podId(pod) && isReady(p));
        if (members.length > 1 && readyOthers.length === 0) {
            return {
                evict: false,
                waitFor:
                    `another Ready replica of ${quorum.kind} ` +
                    `${pod.metadata.namespace}/${quorum.name} (${podId(pod)} is its last Ready one)`,
            };
        }
    }
    return { evict: true };
}

/** What an Eviction API refusal says: the budget it names, when it names one. */
export function refusalReason(pod: PodObject, status: number, body: string): string {
    let budget: string | undefined;
    try {
        const parsed = JSON.parse(body) as { message?: string; details?: { causes?: { message?: string }[] } };
        const text = [parsed.message ?? "", ...(parsed.details?.causes ?? []).map((c) => c.message ?? "")].join(" ");
        budget = /disruption budget ([a-z0-9.-]+)/i.exec(text.replace(/pod's disruption budget/gi, ""))?.[1];
    } catch {
        // not JSON: the status alone says it
    }
    if (status === 429)
        return `PodDisruptionBudget ${budget ? `${pod.metadata.namespace}/${budget}` : `of ${podId(pod)}`} to allow evicting ${podId(pod)}`;
    return `the API to accept the eviction of ${podId(pod)} (HTTP ${status})`;
}

/** Time spent on each thing a drain waited for: from the poll that first saw it to the poll that no longer did. */
export class WaitLedger {
    private readonly spans = new Map<string, { first: number; end?: number }>();

    /** The reasons one poll is waiting for, at `now`; reasons no longer among them ended now. */
    poll(reasons: readonly string[], now: number): void {
        for (const [reason, span] of this.spans) if (span.end === undefined && !reasons.includes(reason)) span.end = now;
        for (const reason of reasons) {
            const span = this.spans.get(reason);
            if (!span) this.spans.set(reason, { first: now });
            else if (span.end !== undefined) this.spans.set(reason, { first: now - (span.end - span.first) });
        }
    }

    entries(now: number): { reason: string; ms: number }[] {
        return [...this.spans.entries()].map(([reason, s]) => ({ reason, ms: (s.end ?? now) - s.first }));
    }
}

export interface DrainReport {
    readonly node: string;
    readonly evicted: readonly string[];
    /** Pods that left without an eviction (finished Airflow tasks, for instance). */
    readonly finished: readonly string[];
    readonly waits: readonly { reason: string; ms: number }[];
    readonly totalMs: number;
}

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

export function renderDrainReport(r: DrainReport): string {
    const lines = [
        `drain report for ${r.node}: ${r.evicted.length} pod(s) evicted, ${r.finished.length} left on their own, ${secs(r.totalMs)} in all`,
    ];
    if (r.waits.length === 0) lines.push("  waited for nothing");
    for (const w of r.waits) lines.push(`  waited ${secs(w.ms)} for ${w.reason}`);
    if (r.finished.length > 0) lines.push(`  left on their own: ${r.finished.join(", ")}`);
    return lines.join("\n");
}
