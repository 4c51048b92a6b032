/**
 * An agent's user-data is rendered from its own address, the join URL and the agent token alone
 * (infra/nodeUserData.ts shares those between all agents instead of resolving every server-side
 * input once per agent): whatever else a node's addresses and secrets hold must not reach it.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { agentUserDataRenderer } from "../../infra/agentUserDataTemplate";
import { AgentSpec, renderUserData } from "../../infra/cloudinit";
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

    it("is the same rendered in full or filled into its pool's template, for any name and address", () => {
        const slot = agents.find((s) => s.pool === "stream")!;
        const render = agentUserDataRenderer();
        const agentSecrets = { token: "", agentToken: secrets.agentToken };
        const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
        const name = fc.oneof(
            fc.array(label, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("-")),
            // Values YAML would quote or read otherwise: rendered in full, never filled in.
            fc.constantFrom("true", "null", "1e5", "0x1f", "012", "~", "a: b", "#x", "sentinel"),
        );
        const address = fc.oneof(
            fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join(".")),
            fc.constantFrom("10.0.0.1", "fd00::1", "1.5", "no"),
        );
        fc.assert(
            fc.property(name, address, (node, ip) => {
                const spec = buildNodeSpec(cfg, slot, node, { ...own, nodeIp: ip, tlsSans: [], peers: [], volumeId: "" });
                assert.equal(render(spec as AgentSpec, agentSecrets), renderUserData(spec, agentSecrets));
            }),
            { numRuns: 150 },
        );
    });
});
