/**
 * The drain that knows the data platform: PodDisruptionBudgets (the Eviction API's 429, naming
 * the budget), a quorum's last Ready replica kept until another is Ready, Airflow task pods left
 * to finish up to the bound, and the report of what it waited for and how long. Against a
 * scripted STAND-IN of the Kubernetes API on loopback (only the endpoints a drain uses), with a
 * test clock: every pause advances the clock, nothing sleeps.
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { Clock, KubeTarget, PodObject } from "../../infra/lifecycle/kubeApi";
import { drainNode } from "../../infra/lifecycle/drain";
import { decide, refusalReason, renderDrainReport, WaitLedger } from "../../infra/lifecycle/drainPolicy";
import { JsonStandIn, Send } from "../support/jsonStandIn";

interface Pod {
    name: string;
    namespace: string;
    node: string;
    ready?: boolean;
    owner?: { kind: string; name: string; uid: string };
    labels?: Record<string, string>;
    /** Eviction refused by this budget this many more times. */
    pdb?: { name: string; refusals: number };
    /** Leaves on its own (a task that finishes) after this many looks at the node's pods. */
    finishesAfter?: number;
    /** Becomes Ready after this many looks at its namespace's pods (a replica starting elsewhere). */
    readyAfter?: number;
}

/** STAND-IN for the API a drain talks to: node cordon/delete, pod lists, evictions. */
class DrainApiStandIn extends JsonStandIn {
    pods: Pod[] = [];
    nodes = new Set(["old"]);
    evictions: string[] = [];
    methods = new Set<string>();
    /** How the next Node DELETEs are answered before one is carried out: dropped unanswered, or an HTTP status. */
    deleteFailures: ("drop" | number)[] = [];
    /** Nodes k3s' etcd finalizer holds after their deletion: how many more looks each survives. */
    held = new Map<string, number>();
    private deleting = new Set<string>();

    private asObject(p: Pod): PodObject {
        return {
            metadata: {
                name: p.name,
                namespace: p.namespace,
                labels: p.labels,
                ownerReferences: p.owner
                    ? [{ ...p.owner, controller: true }]
                    : [{ kind: "ReplicaSet", name: "rs", uid: `rs-${p.name}`, controller: true }],
            },
            status: { phase: "Running", conditions: [{ type: "Ready", status: p.ready === false ? "False" : "True" }] },
        };
    }

    protected handle(req: http.IncomingMessage, url: URL, send: Send): void {
        this.methods.add(req.method ?? "");
        req.resume();
        req.on("end", () => {
            const node = /^\/api\/v1\/nodes\/(.+)$/.exec(url.pathname);
            if (node) {
                if (!this.nodes.has(node[1])) return send(404);
                const failure = req.method === "DELETE" ? this.deleteFailures.shift() : undefined;
                if (failure === "drop") return req.socket.destroy();
                if (failure !== undefined) return send(failure, { kind: "Status", message: "etcdserver: request timed out" });
                const terminating = { name: node[1], deletionTimestamp: "2026-12-07T16:00:00Z", finalizers: [ETCD_FINALIZER] };
                if (req.method === "DELETE" && this.held.has(node[1])) this.deleting.add(node[1]);
                else if (req.method === "DELETE") this.nodes.delete(node[1]);
                if (this.deleting.has(node[1])) {
                    const left = this.held.get(node[1])!;
                    this.held.set(node[1], left - 1);
                    if (left <= 0) this.nodes.delete(node[1]);
                    return left <= 0 ? send(404) : send(200, { metadata: terminating });
                }
                return send(200, { metadata: { name: node[1] } });
            }
            if (url.pathname === "/api/v1/pods") {
                const on = (url.searchParams.get("fieldSelector") ?? "").replace("spec.nodeName=", "");
                for (const p of this.pods)
                    if (p.node === on && p.finishesAfter !== undefined && p.finishesAfter-- <= 0)
                        this.pods = this.pods.filter((x) => x !== p);
                return send(200, { items: this.pods.filter((p) => p.node === on).map((p) => this.asObject(p)) });
            }
            const ns = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
            if (ns) {
                for (const p of this.pods) if (p.namespace === ns[1] && p.readyAfter !== undefined && p.readyAfter-- <= 0) p.ready = true;
                return send(200, { items: this.pods.filter((p) => p.namespace === ns[1]).map((p) => this.asObject(p)) });
            }
            const eviction = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(url.pathname);
            if (eviction && req.method === "POST") {
                const pod = this.pods.find((p) => p.namespace === eviction[1] && p.name === eviction[2]);
                if (!pod) return send(404);
                if (pod.pdb && pod.pdb.refusals > 0) {
                    pod.pdb.refusals--;
                    return send(429, {
                        kind: "Status",
                        message: "Cannot evict pod as it would violate the pod's disruption budget.",
                        details: {
                            causes: [
                                {
                                    reason: "DisruptionBudget",
                                    message: `The disruption budget ${pod.pdb.name} needs 1 healthy pods and has 1 currently`,
                                },
                            ],
                        },
                    });
                }
                this.evictions.push(`${pod.namespace}/${pod.name}`);
                this.pods = this.pods.filter((p) => p !== pod);
                return send(201);
            }
            send(404);
        });
    }
}

const ETCD_FINALIZER = "wrangler.cattle.io/managed-etcd-controller";

/** A clock that moves only when the drain pauses between polls. */
const testClock = (): Clock & { t: number } => {
    const c = { t: 0, now: () => c.t, pause: async (ms: number) => void (c.t += ms) };
    return c;
};

const BROKERS = { kind: "StrimziPodSet", name: "events-broker", uid: "sps-1" };
const pod = (name: string, over: Partial<PodObject["metadata"]> = {}, ready = true): PodObject => ({
    metadata: { name, namespace: "kafka", ownerReferences: [{ ...BROKERS, controller: true }], ...over },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("drain that knows the data platform", () => {
    it("decides per pod: a quorum's last Ready replica waits, an Airflow task waits until its bound, the rest is evicted", () => {
        const b0 = pod("broker-0");
        assert.deepEqual(decide(b0, [b0, pod("broker-1", {}, false)], 0, 0), {
            evict: false,
            waitFor: "another Ready replica of StrimziPodSet kafka/events-broker (kafka/broker-0 is its last Ready one)",
        });
        assert.deepEqual(decide(b0, [b0, pod("broker-1")], 0, 0), { evict: true }, "another member is Ready");
        assert.deepEqual(decide(b0, [b0], 0, 0), { evict: true }, "a single replica is no quorum: its budget, if any, decides");
        assert.deepEqual(
            decide(pod("broker-0", {}, false), [pod("broker-0", {}, false), pod("broker-1", {}, false)], 0, 0),
            { evict: true },
            "a replica that is not Ready holds no quorum up",
        );
        const task = pod("etl-task", { namespace: "airflow", ownerReferences: [], labels: { kubernetes_executor: "True" } });
        assert.deepEqual(decide(task, [], 299_999, 300_000), {
            evict: false,
            waitFor: "Airflow task pod airflow/etl-task to finish (bound 300 s)",
        });
        assert.deepEqual(decide(task, [], 300_000, 300_000), { evict: true });
    });

    it("names the budget an eviction refusal names, and adds up each wait from first to last poll", () => {
        const body = JSON.stringify({
            details: { causes: [{ message: "The disruption budget pg-pdb needs 1 healthy pods and has 1 currently" }] },
        });
        assert.equal(
            refusalReason(pod("db-0", { namespace: "data" }), 429, body),
            "PodDisruptionBudget data/pg-pdb to allow evicting data/db-0",
        );
        assert.equal(
            refusalReason(pod("db-0", { namespace: "data" }), 429, "too many requests"),
            "PodDisruptionBudget of data/db-0 to allow evicting data/db-0",
        );
        const ledger = new WaitLedger();
        ledger.poll(["a", "b"], 0);
        ledger.poll(["a"], 5_000);
        ledger.poll([], 7_000);
        ledger.poll(["b"], 9_000);
        assert.deepEqual(ledger.entries(10_000), [
            { reason: "a", ms: 7_000 },
            { reason: "b", ms: 6_000 },
        ]);
        assert.equal(
            renderDrainReport({ node: "n", evicted: ["x/a"], finished: ["x/b"], waits: [{ reason: "a", ms: 7_000 }], totalMs: 12_400 }),
            "drain report for n: 1 pod(s) evicted, 1 left on their own, 12 s in all\n  waited 7 s for a\n  left on their own: x/b",
        );
    });

    describe("against the API", () => {
        let api: DrainApiStandIn;
        let target: KubeTarget;
        beforeEach(async () => {
            api = new DrainApiStandIn();
            target = await api.start();
        });
        afterEach(() => api.stop());

        it("waits for the budget, the quorum and the running task, evicts the task at its bound, and reports each wait", async () => {
            api.pods = [
                { name: "events-broker-0", namespace: "kafka", node: "old", owner: BROKERS },
                { name: "events-broker-1", namespace: "kafka", node: "new", owner: BROKERS, ready: false, readyAfter: 3 },
                { name: "pg-1", namespace: "data", node: "old", pdb: { name: "pg-pdb", refusals: 2 } },
                { name: "etl-short", namespace: "airflow", node: "old", labels: { kubernetes_executor: "True" }, finishesAfter: 2 },
                { name: "etl-long", namespace: "airflow", node: "old", labels: { kubernetes_executor: "True" } },
            ];
            const clock = testClock();
            const log: string[] = [];
            const report = await drainNode(target, "old", {
                timeoutMs: 60_000,
                pollMs: 1_000,
                clock,
                taskGraceMs: 6_000,
                log: (l) => log.push(l),
            });
            assert.deepEqual([...report.evicted].sort(), ["airflow/etl-long", "data/pg-1", "kafka/events-broker-0"]);
            assert.deepEqual(report.finished, ["airflow/etl-short"], "the short task finished on its own");
            assert.ok(!api.nodes.has("old"), "the Node is removed after the drain");
            const waited = new Map(report.waits.map((w) => [w.reason, w.ms]));
            assert.equal(waited.get("PodDisruptionBudget data/pg-pdb to allow evicting data/pg-1"), 2_000);
            assert.equal(
                waited.get("another Ready replica of StrimziPodSet kafka/events-broker (kafka/events-broker-0 is its last Ready one)"),
                3_000,
            );
            assert.equal(waited.get("Airflow task pod airflow/etl-long to finish (bound 6 s)"), 6_000);
            assert.equal(waited.get("Airflow task pod airflow/etl-short to finish (bound 6 s)"), 2_000);
            assert.equal(report.totalMs, 7_000, "evicted at 6 s, seen gone at the next poll");
            assert.equal(waited.get("evicted pods to stop"), 1_000);
            assert.match(
                renderDrainReport(report),
                new RegExp(
                    /^drain report for old: 3 pod\(s\) evicted, 1 left on their own, 7 s in all\n {2}waited 3 s for another/.source +
                        / Ready replica .*\n {2}waited 2 s for PodDisruptionBudget data\/pg-pdb to allow evicting data\/pg-1\n/.source,
                ),
            );
            assert.ok(
                log.some((l) => l.includes("waiting for") && l.includes("kafka/events-broker-0 is its last Ready one")),
                log.join("\n"),
            );
        });

        it("without a bound, task pods are evicted at once; a node already gone is drained with an empty report", async () => {
            api.pods = [{ name: "etl", namespace: "airflow", node: "old", labels: { kubernetes_executor: "True" } }];
            const report = await drainNode(target, "old", { timeoutMs: 10_000, pollMs: 1_000, clock: testClock() });
            assert.deepEqual(report.evicted, ["airflow/etl"]);
            assert.equal(report.totalMs, 1_000, "evicted at once, seen gone at the next poll");
            const none = await drainNode(target, "never-joined", { timeoutMs: 10_000, pollMs: 1_000, clock: testClock() });
            assert.deepEqual([none.evicted, none.waits], [[], []]);
        });

        it("a Node deletion the busy API does not answer, or answers 5xx, is asked again: the drain ends with the Node gone", async () => {
            api.deleteFailures = ["drop", 503];
            const log: string[] = [];
            await drainNode(target, "old", { timeoutMs: 60_000, pollMs: 1_000, clock: testClock(), log: (l) => log.push(l) });
            assert.ok(!api.nodes.has("old"), "the Node is removed");
            assert.deepEqual(api.deleteFailures, [], "both failed deletions were asked again");
            assert.ok(
                log.some((l) => /delete node old: waiting for .*HTTP 503/.test(l)),
                log.join("\n"),
            );
            assert.ok(log.includes("node old drained and removed"), log.join("\n"));
        });

        it("a server's Node that k3s' etcd finalizer holds after its deletion: the drain ends only once the Node is gone", async () => {
            api.held.set("old", 3);
            const log: string[] = [];
            const steps: string[] = [];
            const clock = testClock();
            const progress = (p: string) => steps.push(p);
            await drainNode(target, "old", { timeoutMs: 60_000, pollMs: 1_000, clock, log: (l) => log.push(l), progress });
            assert.ok(!api.nodes.has("old"), "gone when the drain returns: its VM may go, its successor's gate may start");
            assert.ok(
                log.some((l) => l.includes(`gone: waiting for its finalizers to finish (${ETCD_FINALIZER}; k3s removes`)),
                log.join("\n"),
            );
            assert.deepEqual(steps, ["cordoned", "drained", "deleted"]);
            assert.equal(clock.t, 2_000, "seen gone at the third look after the deletion");
        });

        it("a Node whose finalizer never finishes (its etcd member is not removed): the drain times out naming it", async () => {
            api.held.set("old", Infinity);
            await assert.rejects(
                drainNode(target, "old", { timeoutMs: 10_000, pollMs: 1_000, clock: testClock() }),
                new RegExp(
                    `Timed out after 10 s waiting for /api/v1/nodes/old: gone: ` +
                        `still waiting for its finalizers to finish \\(${ETCD_FINALIZER}`,
                ),
            );
        });

        it(
            "a quorum that never gets another Ready replica is never broken: " + "the drain times out naming it, its broker still running",
            async () => {
                api.pods = [
                    { name: "events-broker-0", namespace: "kafka", node: "old", owner: BROKERS },
                    { name: "events-broker-1", namespace: "kafka", node: "other", owner: BROKERS, ready: false },
                ];
                await assert.rejects(
                    drainNode(target, "old", { timeoutMs: 30_000, pollMs: 5_000, clock: testClock() }),
                    new RegExp(
                        /Timed out after 30 s waiting for pods to leave old: still waiting for another Ready replica/.source +
                            / of StrimziPodSet kafka\/events-broker \(kafka\/events-broker-0 is its last Ready one\)/.source,
                    ),
                );
                assert.deepEqual(api.evictions, []);
                assert.ok(api.nodes.has("old"));
            },
        );
    });
});
