import * as assert from "node:assert/strict";
import { nodeName, nodeNames, planNodes } from "../../infra/nodes";
import { parseInfraWith } from "../support/config";

describe("node names of a whole cluster", () => {
    // Pools differing in labels, taints and zones, an HA server set and a per-node image override.
    const cfg = parseInfraWith({
        agentCount: undefined,
        agentFlavor: undefined,
        serverCount: "3",
        availabilityZones: JSON.stringify(["zone-a", "zone-b"]),
        agentPools: JSON.stringify({
            default: { flavor: "mb1.large", count: 5 },
            stream: {
                flavor: "mb1.large",
                count: 4,
                labels: { "example.org/tier": "stream" },
                taints: ["example.org/stream=true:NoSchedule"],
                availabilityZones: ["zone-b"],
            },
        }),
        nodeOverrides: JSON.stringify({ "agent-2": { image: "Debian 13" } }),
    });
    const slots = planNodes(cfg);

    it("are each slot's own name: rendering a shared spec once changes no name", () => {
        const names = nodeNames(cfg, slots);
        assert.equal(names.size, slots.length);
        for (const slot of slots) assert.equal(names.get(slot.key), nodeName(cfg, slot), slot.key);
    });

    it("still differ where the specs differ (labels, taints, image, zone)", () => {
        const names = nodeNames(cfg, slots);
        const hashOf = (key: string) => names.get(key)!.split("-").pop();
        assert.notEqual(hashOf("agent-1"), hashOf("stream-1"), "a pool's labels and taints");
        assert.notEqual(hashOf("agent-1"), hashOf("agent-2"), "an image override");
        assert.notEqual(hashOf("agent-0"), hashOf("agent-1"), "another zone");
        assert.equal(hashOf("agent-1"), hashOf("agent-3"), "the same spec in the same zone");
    });
});
