/**
 * The drain that runs before a node's VM is deleted: cordon, move its pods off as the data
 * platform allows (drainPolicy.ts: PodDisruptionBudgets through the Eviction API, never a
 * quorum's last Ready replica, Airflow task pods left to finish up to a bound), then the steps
 * around the removal (etcd member kept, data volume released) and the Node's deletion. It returns
 * a report of what it waited for and how long; a node that no longer exists is already drained.
 */
import {
    evictable,
    keepEtcdMember,
    KubeTarget,
    PodObject,
    realClock,
    releaseData,
    request,
    until,
    waitApiStopped,
    WaitOptions,
} from "./kubeApi";
import { decide, DrainReport, podId, quorumOf, refusalReason, WaitLedger } from "./drainPolicy";

export interface DrainOptions extends WaitOptions {
    /** The data-volume annotation the node answers (server-0's NFS volume). */
    readonly releaseData?: string;
    /**
     * The replacement reuses this server's etcd member (its datastore volume): mark the Node so
     * its deletion keeps the member, and after the deletion wait until k3s on the node stopped.
     */
    readonly keepEtcdMember?: boolean;
    /** How long running Airflow task pods may finish before they are evicted; 0: evict at once. */
    readonly taskGraceMs?: number;
    /** Called as the node is cordoned, drained (its pods gone) and deleted. */
    readonly progress?: (step: "cordoned" | "drained" | "deleted") => void;
}

async function listPods(target: KubeTarget, path: string): Promise<PodObject[] | string> {
    const res = await request(target, "GET", path);
    if (res.status !== 200) return `the pod list (HTTP ${res.status})`;
    return (JSON.parse(res.body) as { items: PodObject[] }).items;
}

export async function drainNode(target: KubeTarget, nodeName: string, opts: DrainOptions): Promise<DrainReport> {
    const clock = opts.clock ?? realClock;
    const started = clock.now();
    const nodePath = `/api/v1/nodes/${encodeURIComponent(nodeName)}`;
    const ledger = new WaitLedger();
    const evicted = new Set<string>();
    const seen = new Set<string>();
    const report = (): DrainReport => ({
        node: nodeName,
        evicted: [...evicted],
        finished: [...seen].filter((p) => !evicted.has(p)),
        waits: ledger.entries(clock.now()),
        totalMs: clock.now() - started,
    });
    let gone = false;
    await until(
        `cordon ${nodeName}`,
        async () => {
            const cordon = await request(target, "PATCH", nodePath, { spec: { unschedulable: true } }, "application/merge-patch+json");
            gone = cordon.status === 404;
            return cordon.status < 300 || gone ? undefined : `the API to accept the cordon (HTTP ${cordon.status})`;
        },
        opts,
    );
    if (gone) {
        opts.log?.(`node ${nodeName} is not in the cluster; nothing to drain`);
        return report();
    }
    opts.progress?.("cordoned");
    const podsPath = `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${nodeName}`)}`;
    await until(
        `pods to leave ${nodeName}`,
        async () => {
            const listed = await listPods(target, podsPath);
            if (typeof listed === "string") return listed;
            const pods = evictable(listed);
            pods.forEach((p) => seen.add(podId(p)));
            if (pods.length === 0) {
                ledger.poll([], clock.now());
                return undefined;
            }
            // A quorum's members across the cluster: one list per namespace that has one here.
            const peers = new Map<string, PodObject[]>();
            for (const ns of new Set(pods.filter((p) => quorumOf(p)).map((p) => p.metadata.namespace))) {
                const all = await listPods(target, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`);
                if (typeof all === "string") return all;
                peers.set(ns, all);
            }
            const waiting: string[] = [];
            for (const pod of pods) {
                const decision = decide(pod, peers.get(pod.metadata.namespace) ?? [], clock.now() - started, opts.taskGraceMs ?? 0);
                if (!decision.evict) {
                    waiting.push(decision.waitFor);
                    continue;
                }
                const { name, namespace } = pod.metadata;
                const res = await request(target, "POST", `/api/v1/namespaces/${namespace}/pods/${name}/eviction`, {
                    apiVersion: "policy/v1",
                    kind: "Eviction",
                    metadata: { name, namespace },
                });
                if (res.status < 300) evicted.add(podId(pod));
                else if (res.status !== 404) waiting.push(refusalReason(pod, res.status, res.body));
            }
            const stopping = `evicted pods to stop`;
            ledger.poll(waiting.length > 0 ? waiting : [stopping], clock.now());
            return waiting.length > 0 ? waiting.join("; ") : `${stopping}: ${pods.map(podId).join(", ")}`;
        },
        opts,
    );
    opts.progress?.("drained");
    if (opts.keepEtcdMember) await keepEtcdMember(target, nodePath, opts);
    if (opts.releaseData) await releaseData(target, nodePath, opts.releaseData, opts);
    // Asked again like every step before it: a busy API (a server just replaced, an etcd election)
    // may not answer in time, and failing here would fail the whole `up` after the drain was done.
    // A deletion whose answer was lost finds the Node gone (404) the next time.
    await until(
        `delete node ${nodeName}`,
        async () => {
            const removed = await request(target, "DELETE", nodePath);
            return removed.status < 300 || removed.status === 404
                ? undefined
                : `the API to accept the deletion (HTTP ${removed.status} ${removed.body})`;
        },
        opts,
    );
    // An accepted deletion is not a gone Node: k3s' etcd finalizer holds a server's Node until its
    // member is removed. The VM must not go (nor its replacement's gate start) before that. A kept
    // member's node stops k3s once its Node is gone, so there the stopped API is the proof.
    if (!opts.keepEtcdMember) await waitNodeGone(target, nodePath, opts);
    opts.log?.(`node ${nodeName} drained and removed`);
    opts.progress?.("deleted");
    if (opts.keepEtcdMember) await waitApiStopped(target, nodeName, opts);
    return report();
}

async function waitNodeGone(target: KubeTarget, nodePath: string, opts: WaitOptions): Promise<void> {
    await until(
        `${nodePath}: gone`,
        async () => {
            const res = await request(target, "GET", nodePath);
            if (res.status === 404) return undefined;
            if (res.status !== 200) return `the node object (HTTP ${res.status})`;
            const finalizers = (JSON.parse(res.body) as { metadata: { finalizers?: string[] } }).metadata.finalizers ?? [];
            return finalizers.length
                ? `its finalizers to finish (${finalizers.join(", ")}; k3s removes a server's etcd member first)`
                : `the Node to be gone`;
        },
        opts,
    );
}
