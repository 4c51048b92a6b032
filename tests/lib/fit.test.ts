import * as assert from "node:assert/strict";
import { assertFits, onSchedulable, RequestItem } from "../../lib/fit";
import { assertPodsFit, daemonSetsPerRole, nodeRooms, podsOf } from "../../lib/nodeFit";
import type { NodePoolCapacity } from "../../lib/contracts";
import { synth } from "../support/synth";

const LARGE_AGENTS: NodePoolCapacity[] = [
    { role: "server", count: 1, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
    { role: "agent", count: 3, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
];
const NODE_EXPORTER: RequestItem = { name: "node-exporter", cpu: "20m", memory: "32Mi", perNode: "all", replicas: 4 };

describe("fit: every pod on one node", () => {
    it("refuses a Kafka broker asking for 8Gi on 8 GiB nodes, with the numbers, although the sum fits", () => {
        const items: RequestItem[] = [NODE_EXPORTER, { name: "kafka broker", cpu: "1", memory: "8Gi", replicas: 1 }];
        assert.doesNotThrow(
            () => assertFits("t", { cpuMilli: 1080, memoryMiB: 8320 }, LARGE_AGENTS, 0.2),
            "the aggregate alone accepts it",
        );
        assert.throws(
            () => assertPodsFit("The cluster layer of dev", podsOf(items), nodeRooms(LARGE_AGENTS, daemonSetsPerRole(items))),
            new RegExp(
                /kafka broker requests 1000m\/8192Mi; the largest node it may run on, mb1\.large \(agent, 4 vCPU,/.source +
                    / 8192 MiB\), has 3780m\/7648Mi left after system reservations \(200m\/512Mi\) and DaemonSets/.source,
            ),
        );
    });

    it("sums the containers of one pod, and leaves DaemonSets and budgets out of the pods", () => {
        const items: RequestItem[] = [
            { name: "grafana", cpu: "100m", memory: "256Mi", pod: "grafana" },
            { name: "grafana sidecars", cpu: "20m", memory: "64Mi", pod: "grafana", replicas: 2, containers: 2 },
            NODE_EXPORTER,
            { name: "task quota", cpu: "8", memory: "16Gi", budget: true },
        ];
        assert.deepEqual(podsOf(items), [{ pod: "grafana", cpuMilli: 140, memoryMiB: 384, controlPlane: false }]);
    });

    it("with the control-plane taint, ordinary pods only count the agents, control-plane pods may use the servers", () => {
        const tainted: NodePoolCapacity[] = [
            { role: "server", count: 3, flavor: "mb1.xlarge", vcpus: 8, memoryMiB: 16384, tainted: true },
            { role: "agent", count: 2, flavor: "mb1.medium", vcpus: 2, memoryMiB: 4096 },
        ];
        const rooms = nodeRooms(tainted, { server: { cpuMilli: 0, memoryMiB: 0 }, agent: { cpuMilli: 0, memoryMiB: 0 } });
        assert.throws(
            () => assertPodsFit("t", [{ pod: "prometheus", cpuMilli: 500, memoryMiB: 6144, controlPlane: false }], rooms),
            /the largest node it may run on, mb1\.medium \(agent/,
        );
        assert.doesNotThrow(() => assertPodsFit("t", [{ pod: "ccm", cpuMilli: 500, memoryMiB: 6144, controlPlane: true }], rooms));
        const items: RequestItem[] = [
            { ...NODE_EXPORTER, replicas: 5 },
            { name: "ccm", cpu: "100m", memory: "128Mi", perNode: "servers", replicas: 3, controlPlane: true },
        ];
        assert.deepEqual(
            onSchedulable(items, tainted).map((i) => [i.name, i.replicas]),
            [["node-exporter", 2]],
        );
        assert.throws(
            () => assertFits("t", { cpuMilli: 3000, memoryMiB: 1000 }, tainted, 0.2),
            /control-plane taint: not counted[\s\S]*CPU: requests 3000m of 3600m allocatable/,
        );
    });
});

describe("fit: the real layers", function () {
    this.timeout(30000);
    it("the cluster layer refuses an 8Gi broker on dev's 8 GiB nodes, naming the pod and the node", async () => {
        await assert.rejects(
            synth("dev-cluster", { "data-platform:kafkaBrokerMemory": "8Gi", "data-platform:minHeadroomPercent": "0" }),
            new RegExp(
                /kafka broker\+controller requests 250m\/8192Mi; the largest node it may run on, mb1\.large/.source +
                    / \(agent, 4 vCPU, 8192 MiB\), has \d+m\/\d+Mi left.*Fix: lower data-platform:kafkaBrokerCpu/.source +
                    / \/ data-platform:kafkaBrokerMemory in this stack, or use a larger infra agent flavor/.source,
            ),
        );
    });

    it("prod servers carry the control-plane taint (dev's do not), and the pools say so", async () => {
        const prod = await synth("prod-infra");
        const dev = await synth("dev-infra");
        const taintOf = (r: Awaited<ReturnType<typeof synth>>) =>
            r.resources
                .filter((x) => x.type === "openstack:compute/instance:Instance")
                .map((x) => [
                    (x.inputs.metadata as Record<string, string>).role,
                    /node-taint:\n\s*- node-role\.kubernetes\.io\/control-plane:NoSchedule/.test(
                        JSON.stringify(x.inputs.userData).replace(/\\n/g, "\n"),
                    ),
                ]);
        assert.deepEqual([...new Set(taintOf(prod).map((t) => t.join(" ")))].sort(), ["agent false", "server true"]);
        assert.deepEqual([...new Set(taintOf(dev).map((t) => t.join(" ")))].sort(), ["agent false", "server false"]);
        const pools = prod.outputs.nodePools as NodePoolCapacity[];
        assert.deepEqual(
            pools.map((p) => [p.role, p.tainted ?? false]),
            [
                ["server", true],
                ["agent", false],
            ],
        );
    });
});
