/**
 * A minimal Kubernetes API client for the node lifecycle commands that `pulumi up` runs on the
 * operator's machine: wait until the API answers /readyz and nodes are Ready, and the steps around
 * a node's removal (its drain is drain.ts). It authenticates with the kubeconfig the infra layer
 * generates, so it needs no kubectl and never logs into a node.
 */
import * as http from "http";
import * as https from "https";
import * as tls from "tls";
import type { KubeTarget } from "./kubeconfigTarget";

export type { KubeTarget } from "./kubeconfigTarget";
export { targetFromKubeconfig } from "./kubeconfigTarget";

export interface ApiResponse {
    readonly status: number;
    readonly body: string;
}

export function request(
    target: KubeTarget,
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
): Promise<ApiResponse> {
    const url = new URL(path, target.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const options: https.RequestOptions = {
        method,
        ca: target.ca,
        cert: target.cert,
        key: target.key,
        // The API's address (a floating IP) is not in its certificate; the certificate is
        // checked against tls-server-name instead, which is also sent as SNI.
        ...(target.serverName
            ? {
                  servername: target.serverName,
                  checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(target.serverName!, cert),
              }
            : {}),
        headers: {
            Accept: "application/json",
            ...(target.token ? { Authorization: `Bearer ${target.token}` } : {}),
            ...(payload ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}),
        },
        timeout: 10_000,
    };
    const client = url.protocol === "http:" ? http : https;
    return new Promise((resolve, reject) => {
        const req = client.request(url, options, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname}: no answer within 10 s`)));
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

interface NodeObject {
    metadata: { name: string; deletionTimestamp?: string };
    spec?: { unschedulable?: boolean };
    status?: { conditions?: { type: string; status: string }[] };
}

/**
 * A Node being deleted is never Ready here, whatever its last condition says: k3s' etcd finalizer
 * holds a server's Node until its member is removed, and a replacement under the same name must not
 * pass its readiness gate on the old node on its way out.
 */
export function isNodeReady(node: NodeObject): boolean {
    if (node.metadata.deletionTimestamp) return false;
    return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Names from `wanted` that are not Ready in a node list. */
export function notReady(nodes: readonly NodeObject[], wanted: readonly string[]): string[] {
    const ready = new Set(nodes.filter(isNodeReady).map((n) => n.metadata.name));
    return wanted.filter((name) => !ready.has(name));
}

export interface Clock {
    now(): number;
    /** Waits before the next poll; the only wait in this module, bounded by the deadline. */
    pause(ms: number): Promise<void>;
}

export const realClock: Clock = {
    now: () => Date.now(),
    pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WaitOptions {
    readonly timeoutMs: number;
    readonly pollMs?: number;
    readonly clock?: Clock;
    readonly log?: (line: string) => void;
    /** A still-unchanged wait is logged again this often, so a long roll is never silent (default 60 s). */
    readonly heartbeatMs?: number;
}

/**
 * Polls until `probe` returns undefined (done) or the deadline passes; the probe's last answer
 * (what it is still waiting for) becomes the timeout message.
 */
export async function until(what: string, probe: () => Promise<string | undefined>, opts: WaitOptions): Promise<void> {
    const clock = opts.clock ?? realClock;
    const deadline = clock.now() + opts.timeoutMs;
    const started = clock.now();
    let waitingFor = "no answer yet";
    let lastLogged = "";
    let loggedAt = started;
    for (;;) {
        try {
            const pending = await probe();
            if (pending === undefined) return;
            waitingFor = pending;
        } catch (err) {
            waitingFor = err instanceof Error ? err.message : String(err);
        }
        if (waitingFor !== lastLogged) {
            opts.log?.(`${what}: waiting for ${waitingFor}`);
            lastLogged = waitingFor;
            loggedAt = clock.now();
        } else if (clock.now() - loggedAt >= (opts.heartbeatMs ?? 60_000)) {
            opts.log?.(`${what}: still waiting for ${waitingFor} (${Math.round((clock.now() - started) / 1000)} s so far)`);
            loggedAt = clock.now();
        }
        if (clock.now() >= deadline) {
            throw new Error(`Timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${what}: still waiting for ${waitingFor}`);
        }
        await clock.pause(Math.min(opts.pollMs ?? 5000, Math.max(0, deadline - clock.now())));
    }
}

export interface ClusterWaitOptions extends WaitOptions {
    /** Called once a node that was not Ready at the first look registers, and once it is Ready. */
    readonly progress?: (node: string, step: "registered" | "Ready") => void;
}

/** Waits until the API answers /readyz with 200 and every named node is Ready. */
export async function waitForCluster(target: KubeTarget, nodeNames: readonly string[], opts: ClusterWaitOptions): Promise<void> {
    // Nodes Ready at the first look are not part of this roll's progress; the others report each step once.
    let readyAtFirstLook: Set<string> | undefined;
    const reported = new Set<string>();
    const report = (node: string, step: "registered" | "Ready") => {
        if (readyAtFirstLook?.has(node) || reported.has(`${node} ${step}`)) return;
        reported.add(`${node} ${step}`);
        opts.progress?.(node, step);
    };
    await until(
        `the API at ${target.server}`,
        async () => {
            const res = await request(target, "GET", "/readyz");
            return res.status === 200 ? undefined : `/readyz to answer 200 (got ${res.status})`;
        },
        opts,
    );
    await until(
        `nodes ${nodeNames.join(", ")}`,
        async () => {
            const res = await request(target, "GET", "/api/v1/nodes");
            if (res.status !== 200) return `the node list (HTTP ${res.status})`;
            // The old Node of a replacement under the same name may still be on its way out.
            const items = (JSON.parse(res.body) as { items: NodeObject[] }).items.filter((n) => !n.metadata.deletionTimestamp);
            const pending = notReady(items, nodeNames);
            readyAtFirstLook ??= new Set(nodeNames.filter((n) => !pending.includes(n)));
            for (const node of items.filter((n) => nodeNames.includes(n.metadata.name))) {
                report(node.metadata.name, "registered");
                if (isNodeReady(node)) report(node.metadata.name, "Ready");
            }
            return pending.length === 0 ? undefined : `Ready: ${pending.join(", ")}`;
        },
        opts,
    );
}

export interface PodObject {
    metadata: {
        name: string;
        namespace: string;
        ownerReferences?: { kind: string; name?: string; uid?: string; controller?: boolean }[];
        annotations?: Record<string, string>;
        labels?: Record<string, string>;
    };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** Pods a drain evicts: not DaemonSet-managed, not mirror (static) pods, not finished. */
export function evictable(pods: readonly PodObject[]): PodObject[] {
    return pods.filter(
        (p) =>
            !p.metadata.ownerReferences?.some((o) => o.kind === "DaemonSet") &&
            !p.metadata.annotations?.["kubernetes.io/config.mirror"] &&
            p.status?.phase !== "Succeeded" &&
            p.status?.phase !== "Failed",
    );
}

/** The etcd member a k3s server's Node stands for (k3s sets it). */
export const ETCD_MEMBER_ANNOTATION = "etcd.k3s.cattle.io/node-name";
/** When set, k3s' finalizer deletes the Node without removing that etcd member. */
export const ETCD_REMOVED_ANNOTATION = "etcd.k3s.cattle.io/removed-node-name";

/**
 * Marks the Node so that k3s' member finalizer keeps its etcd member when the Node is deleted
 * (k3s skips the removal of a Node that carries a non-empty removed-node-name). Without the
 * mark, deleting it would remove the member the replacement restarts from the same data.
 */
export async function keepEtcdMember(target: KubeTarget, nodePath: string, opts: WaitOptions): Promise<void> {
    await until(
        `${nodePath}: etcd member kept`,
        async () => {
            const res = await request(target, "GET", nodePath);
            if (res.status !== 200) return `the node object (HTTP ${res.status})`;
            const annotations = (JSON.parse(res.body) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {};
            const member = annotations[ETCD_MEMBER_ANNOTATION];
            if (!member) return `k3s to name the node's etcd member (${ETCD_MEMBER_ANNOTATION})`;
            if (annotations[ETCD_REMOVED_ANNOTATION] === member) return undefined;
            const patched = await request(
                target,
                "PATCH",
                nodePath,
                { metadata: { annotations: { [ETCD_REMOVED_ANNOTATION]: member } } },
                "application/merge-patch+json",
            );
            return patched.status < 300 ? `the mark to be read back` : `the API to accept the mark (HTTP ${patched.status})`;
        },
        opts,
    );
    opts.log?.(`${nodePath}: marked, its deletion keeps the etcd member`);
}

/** The node stops k3s once its Node is gone (nfsData.ts): then the datastore is unmounted. */
export async function waitApiStopped(target: KubeTarget, nodeName: string, opts: WaitOptions): Promise<void> {
    await until(
        `k3s on ${nodeName} to stop`,
        async () => {
            try {
                const res = await request(target, "GET", "/readyz");
                return `the API to stop answering (it answers HTTP ${res.status})`;
            } catch {
                return undefined;
            }
        },
        opts,
    );
    opts.log?.(`k3s on ${nodeName} stopped; its datastore volume can be detached`);
}

/**
 * Asks the node to release its data volume (annotation `<key>=release`: it stops exporting
 * and unmounts, see infra/nfsData.ts) and waits for its `<key>=released`, so the volume is
 * detached from a clean, unmounted filesystem.
 */
export async function releaseData(target: KubeTarget, nodePath: string, key: string, opts: WaitOptions): Promise<void> {
    await until(
        `${nodePath}: data volume released`,
        async () => {
            const res = await request(target, "GET", nodePath);
            if (res.status !== 200) return `the node object (HTTP ${res.status})`;
            const annotations = (JSON.parse(res.body) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {};
            if (annotations[key] === "released") return undefined;
            if (annotations[key] !== "release") {
                const patched = await request(
                    target,
                    "PATCH",
                    nodePath,
                    { metadata: { annotations: { [key]: "release" } } },
                    "application/merge-patch+json",
                );
                if (patched.status >= 300) return `the API to accept the release request (HTTP ${patched.status})`;
            }
            return `the node to unexport and unmount its data volume (${key}=released)`;
        },
        opts,
    );
    opts.log?.(`${nodePath}: data volume unexported and unmounted`);
}
