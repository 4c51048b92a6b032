/**
 * An agent's user-data is rendered from its own address, the join URL and the agent token alone
 * (infra/nodeUserData.ts shares those between all agents instead of resolving every server-side
 * input once per agent): whatever else a node's addresses and secrets hold must not reach it.
 */
import * as assert from "node:assert/strict";
import { renderUserData } from "../../infra/cloudinit";
import { buildNodeSpec, planNodes } from "../../infra/nodes";
import { parseInfraWith } from "../support/config";

describe("an agent's user-data", () => {
    const cfg = parseInfraWith({
        agentCount: undefined,
        agentFlavor: undefined,
        serverCount: "3",
        agentPools: JSON.stringify({
            default: { flavor: "mb1.large", count: 2 },
            stream: {
                flavor: "mb1.large",
                count: 2,
                labels: { "example.org/tier": "stream" },
                taints: ["example.org/stream=true:NoSchedule"],
            },
        }),
    });
    const agents = planNodes(cfg).filter((s) => s.role === "agent");
    const own = { nodeIp: "10.0.0.21", serverUrl: "https://10.0.0.5:6443" };
    const full = {
        ...own,
        tlsSans: ["198.51.100.7", "10.0.0.5", "10.0.0.11"],
        peers: ["10.0.0.12", "10.0.0.13"],
        vip: "10.0.0.5",
        volumeId: "nfs-volume",
        datastoreVolumeId: "datastore-volume",
    };
    const secrets = {
        token: "K10aa::server:s",
        previousToken: "K10aa::server:old",
        agentToken: "K10aa::node:a",
        etcdS3: { accessKey: "ak", secretKey: "sk" },
    };

    it("depends on its address, the join URL and the agent token only", () => {
        assert.ok(agents.length === 4);
        for (const slot of agents) {
            const everything = renderUserData(buildNodeSpec(cfg, slot, "node-a", full), secrets);
            const shared = renderUserData(buildNodeSpec(cfg, slot, "node-a", { ...own, tlsSans: [], peers: [], volumeId: "" }), {
                token: "",
                agentToken: secrets.agentToken,
            });
            assert.equal(shared, everything, slot.key);
        }
    });
});
