import * as assert from "node:assert/strict";
import * as http from "node:http";
import { evictable, KubeTarget, notReady, targetFromKubeconfig, waitForCluster } from "../../infra/lifecycle/kubeApi";
import { drainNode } from "../../infra/lifecycle/drain";
import { renderKubeconfig } from "../../infra/kubeconfig";
import { forgetNode } from "../../infra/lifecycle/forget";
import { JsonStandIn, Send } from "../support/jsonStandIn";

/** A scripted stand-in for the Kubernetes API on loopback: just the endpoints the gate uses. */
class FakeApi extends JsonStandIn {
    readyzCalls = 0;
    readyAfter = 2;
    nodes: { name: string; ready: boolean; unschedulable?: boolean; annotations?: Record<string, string>; deleting?: boolean }[] = [];
    /** What happened to nodes, in order (release requests, deletes). */
    events: string[] = [];
    pods: { name: string; namespace: string; daemonset?: boolean; pdbBlocksOnce?: boolean }[] = [];
    evictions: string[] = [];
    deletedNodes: string[] = [];
    cordonFailures = 0;

    protected handle(req: http.IncomingMessage, url: URL, send: Send): void {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            if (url.pathname === "/readyz") return send(++this.readyzCalls > this.readyAfter ? 200 : 503);
            if (url.pathname === "/api/v1/nodes" && req.method === "GET") {
                // Each look at the node list moves one node to Ready, like nodes joining over time.
                const items = this.nodes.map((n) => ({
                    metadata: { name: n.name, ...(n.deleting ? { deletionTimestamp: "2026-12-07T16:00:00Z" } : {}) },
                    status: { conditions: [{ type: "Ready", status: n.ready ? "True" : "False" }] },
                }));
                const next = this.nodes.find((n) => !n.ready);
                if (next) next.ready = true;
                return send(200, { items });
            }
            const node = /^\/api\/v1\/nodes\/(.+)$/.exec(url.pathname);
            if (node) {
                const found = this.nodes.find((n) => n.name === decodeURIComponent(node[1]));
                if (!found) return send(404);
                if (req.method === "PATCH" && this.cordonFailures > 0) {
                    this.cordonFailures--;
                    return send(503);
                }
                if (req.method === "PATCH") {
                    assert.equal(req.headers["content-type"], "application/merge-patch+json");
                    const patch = JSON.parse(body);
                    if (patch.spec) found.unschedulable = patch.spec.unschedulable;
                    if (patch.metadata?.annotations) {
                        found.annotations = { ...found.annotations, ...patch.metadata.annotations };
                        this.events.push(`annotate ${JSON.stringify(patch.metadata.annotations)}`);
                    }
                    return send(200);
                }
                if (req.method === "GET") {
                    const annotations = { ...found.annotations };
                    // The node's nfs-data-release watcher answers a release request (on the next look).
                    for (const [k, v] of Object.entries(found.annotations ?? {})) if (v === "release") found.annotations![k] = "released";
                    return send(200, { metadata: { name: found.name, annotations } });
                }
                if (req.method === "DELETE") {
                    this.events.push(`delete ${found.name} (${JSON.stringify(found.annotations ?? {})})`);
                    this.deletedNodes.push(found.name);
                    this.nodes = this.nodes.filter((n) => n !== found);
                    return send(200);
                }
            }
            if (url.pathname === "/api/v1/pods") {
                assert.match(url.searchParams.get("fieldSelector") ?? "", /^spec\.nodeName=/);
                const items = this.pods.map((p) => ({
                    metadata: {
                        name: p.name,
                        namespace: p.namespace,
                        ownerReferences: p.daemonset ? [{ kind: "DaemonSet" }] : [{ kind: "ReplicaSet" }],
                    },
                    status: { phase: "Running" },
                }));
                return send(200, { items });
            }
            const eviction = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(url.pathname);
            if (eviction && req.method === "POST") {
                const pod = this.pods.find((p) => p.namespace === eviction[1] && p.name === eviction[2]);
                assert.equal(JSON.parse(body).kind, "Eviction");
                if (!pod) return send(404);
                if (pod.pdbBlocksOnce) {
                    pod.pdbBlocksOnce = false;
                    return send(429, { message: "Cannot evict pod as it would violate the pod's disruption budget." });
                }
                this.evictions.push(`${pod.namespace}/${pod.name}`);
                this.pods = this.pods.filter((p) => p !== pod);
                return send(201);
            }
            send(404);
        });
    }
}

describe("node lifecycle against a loopback API", () => {
    let api: FakeApi;
    let target: KubeTarget;
    const opts = { timeoutMs: 5_000, pollMs: 5 };
    beforeEach(async () => {
        api = new FakeApi();
        target = await api.start();
    });
    afterEach(() => api.stop());

    it("waits for /readyz and then for every named node to be Ready", async () => {
        api.nodes = [
            { name: "a", ready: false },
            { name: "b", ready: false },
            { name: "c", ready: true },
        ];
        const log: string[] = [];
        await waitForCluster(target, ["a", "b"], { ...opts, log: (l) => log.push(l) });
        assert.equal(api.readyzCalls, 3, "polled /readyz until it answered 200");
        assert.ok(log.some((l) => l.includes("/readyz to answer 200 (got 503)")));
        assert.ok(log.some((l) => l.includes("Ready: a, b")));
    });

    it("a replacement under the same name does not pass on the old Node still being deleted, Ready as it last said", async () => {
        api.readyAfter = 0;
        api.nodes = [{ name: "prod-server-1-b7a65a", ready: true, deleting: true }];
        await assert.rejects(
            waitForCluster(target, ["prod-server-1-b7a65a"], { timeoutMs: 100, pollMs: 10 }),
            /still waiting for Ready: prod-server-1-b7a65a/,
        );
        api.nodes = [{ name: "prod-server-1-b7a65a", ready: false }];
        const progress: string[] = [];
        await waitForCluster(target, ["prod-server-1-b7a65a"], { ...opts, progress: (n, step) => progress.push(step) });
        assert.deepEqual(progress, ["registered", "Ready"], "the new Node's own steps");
    });

    it("fails after its timeout with a message naming what it still waits for", async () => {
        api.readyAfter = 0;
        api.nodes = [];
        await assert.rejects(
            waitForCluster(target, ["dev-agent-9-ffffff"], { timeoutMs: 100, pollMs: 10 }),
            /Timed out after 0 s waiting for nodes dev-agent-9-ffffff: still waiting for Ready: dev-agent-9-ffffff/,
        );
    });

    it("drains a node through the Eviction API, honouring a PodDisruptionBudget, then removes it", async () => {
        api.nodes = [{ name: "old", ready: true }];
        api.pods = [
            { name: "web-1", namespace: "microservices", pdbBlocksOnce: true },
            { name: "svclb-1", namespace: "kube-system", daemonset: true },
            { name: "kafka-0", namespace: "kafka" },
        ];
        await drainNode(target, "old", opts);
        assert.deepEqual(api.evictions.sort(), ["kafka/kafka-0", "microservices/web-1"]);
        assert.deepEqual(api.deletedNodes, ["old"]);
        assert.equal(api.pods.length, 1, "DaemonSet pods are left alone");
    });

    it("retries the cordon while the API refuses it, then drains", async () => {
        api.nodes = [{ name: "old", ready: true }];
        api.cordonFailures = 2;
        await drainNode(target, "old", opts);
        assert.deepEqual(api.deletedNodes, ["old"]);
    });

    it("has server-0 unexport and unmount its data volume (release → released) before the node is removed", async () => {
        api.nodes = [{ name: "prod-server-0-abc", ready: true }];
        api.pods = [{ name: "web-1", namespace: "microservices" }];
        await drainNode(target, "prod-server-0-abc", { ...opts, releaseData: "platform.example.org/nfs-data" });
        assert.deepEqual(api.events, [
            'annotate {"platform.example.org/nfs-data":"release"}',
            'delete prod-server-0-abc ({"platform.example.org/nfs-data":"released"})',
        ]);
        assert.deepEqual(api.evictions, ["microservices/web-1"], "pods leave first");
    });

    it("treats a node that is already gone as drained", async () => {
        await drainNode(target, "never-joined", opts);
        assert.deepEqual(api.deletedNodes, []);
    });

    it("restore (PLATFORM_SKIP_DRAIN=forget): a dead server's Node is deleted without cordon or eviction when an API answers", async () => {
        api.nodes = [{ name: "prod-server-1-abc", ready: false }];
        api.pods = [{ name: "web-1", namespace: "microservices" }];
        const log: string[] = [];
        await forgetNode(target, "prod-server-1-abc", { ...opts, log: (l) => log.push(l) });
        assert.deepEqual(api.events, ["delete prod-server-1-abc ({})"]);
        assert.deepEqual(api.evictions, [], "no eviction from a kubelet that is gone");
        assert.equal(api.nodes[0]?.unschedulable, undefined);
        assert.match(log.join("\n"), /prod-server-1-abc: Node deleted without a drain/);
        await forgetNode(target, "prod-server-1-abc", opts);
        assert.deepEqual(api.deletedNodes, ["prod-server-1-abc"], "already gone: nothing more");
    });

    it("restore: with no API answering (server-0 before the restore) there is nothing to forget, and no wait", async () => {
        await api.stop();
        const log: string[] = [];
        await forgetNode(target, "prod-server-0-abc", { timeoutMs: 60_000, pollMs: 5, log: (l) => log.push(l) });
        assert.match(log.join("\n"), /prod-server-0-abc: no API answers \(.*\): nothing to remove/);
        api = new FakeApi();
        target = await api.start();
    });

    it("reads the kubeconfig the infra layer renders", () => {
        const text = renderKubeconfig({
            clusterName: "dev-k3s",
            server: "https://198.51.100.7:6443",
            caCertPem: "CA",
            clientCertPem: "CERT",
            clientKeyPem: "KEY",
        });
        const parsed = targetFromKubeconfig(text);
        assert.equal(parsed.server, "https://198.51.100.7:6443");
        assert.equal(parsed.serverName, "kubernetes", "the certificate is checked against tls-server-name, not the floating IP");
        assert.equal(parsed.ca?.toString(), "CA");
        assert.equal(parsed.cert?.toString(), "CERT");
        assert.equal(parsed.key?.toString(), "KEY");
    });

    it("selects pods and nodes as a drain and a readiness check should", () => {
        const pods = evictable([
            { metadata: { name: "a", namespace: "x" }, status: { phase: "Running" } },
            { metadata: { name: "b", namespace: "x", annotations: { "kubernetes.io/config.mirror": "1" } } },
            { metadata: { name: "c", namespace: "x" }, status: { phase: "Succeeded" } },
        ]);
        assert.deepEqual(
            pods.map((p) => p.metadata.name),
            ["a"],
        );
        assert.deepEqual(
            notReady([{ metadata: { name: "n1" }, status: { conditions: [{ type: "Ready", status: "Unknown" }] } }], ["n1", "n2"]),
            ["n1", "n2"],
        );
    });
});
