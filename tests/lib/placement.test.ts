import * as assert from "node:assert/strict";
import { assertPlacedFit, onSchedulable, RequestItem } from "../../lib/fit";
import { assertPodsFit, nodeRooms, podsOf } from "../../lib/nodeFit";
import { nodeAffinityFor, placementOn, tolerationsFor } from "../../lib/placement";
import type { NodePoolCapacity } from "../../lib/contracts";

const none = { cpuMilli: 0, memoryMiB: 0 };
const POOLS: NodePoolCapacity[] = [
    { role: "agent", pool: "default", flavor: "small", count: 2, vcpus: 2, memoryMiB: 4096, labels: {}, taints: [] },
    {
        role: "agent",
        pool: "kafka",
        flavor: "big",
        count: 3,
        vcpus: 8,
        memoryMiB: 16384,
        labels: { workload: "kafka" },
        taints: ["dedicated=kafka:NoSchedule"],
    },
];

describe("placement on agent pools", () => {
    it("turns a pool into a nodeSelector and tolerations, and refuses pools it cannot select", () => {
        assert.deepEqual(placementOn("data-platform:kafkaPool", "kafka", POOLS), {
            pool: "kafka",
            nodeSelector: { workload: "kafka" },
            tolerations: [{ key: "dedicated", operator: "Equal", value: "kafka", effect: "NoSchedule" }],
        });
        assert.deepEqual(tolerationsFor(["gpu:NoExecute"]), [{ key: "gpu", operator: "Exists", effect: "NoExecute" }]);
        assert.throws(
            () => placementOn("data-platform:kafkaPool", "nope", POOLS),
            /data-platform:kafkaPool = "nope": the infra layer has no agent pool "nope" \(its pools: default, kafka\)/,
        );
        assert.throws(
            () => placementOn("data-platform:kafkaPool", "default", POOLS),
            /pool "default" has no labels .*agentPools.default.labels/,
        );
        assert.deepEqual(nodeAffinityFor({ workload: "kafka" }), {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: "workload", operator: "In", values: ["kafka"] }] }],
                },
            },
        });
    });

    it("counts a pod only against the pools it can land on", () => {
        const broker: RequestItem = { name: "broker", cpu: "4", memory: "8Gi", replicas: 3, pool: "kafka" };
        const web: RequestItem = { name: "web", cpu: "500m", memory: "512Mi", replicas: 2 };
        const rooms = nodeRooms(POOLS, { server: none, agent: none });
        // The 8Gi broker fits a kafka node, though no default node could hold it.
        assert.doesNotThrow(() => assertPodsFit("t", podsOf([broker, web]), rooms));
        // Unplaced, it may not use the tainted pool: it fits nowhere.
        assert.throws(
            () => assertPodsFit("t", podsOf([{ ...broker, pool: undefined }]), rooms),
            /broker requests 4000m\/8192Mi; the largest node it may run on, small/,
        );
        // The general sum leaves the brokers out; their own pool is checked on its own.
        assert.deepEqual(
            onSchedulable([broker, web], POOLS).map((i) => i.name),
            ["web"],
        );
        assert.doesNotThrow(() => assertPlacedFit("t", [broker, web], POOLS, 0.2));
        assert.throws(() => assertPlacedFit("t", [{ ...broker, replicas: 6 }], POOLS, 0.2), /t, on pool "kafka" does not fit/);
    });
});
