/** The infra layer's synth output for node replacement: spec-hash names, one-at-a-time order, drains, what stays, what a change rolls. */
import * as assert from "node:assert/strict";
import { SynthResult } from "../../delivery/synth/synth";
import { byName, ofType, synth } from "../support/synth";
import { INSTANCE, instances, secretText } from "./infraSynth";

describe("infra synth", () => {
    let dev: SynthResult;
    let prod: SynthResult;
    before(async () => {
        dev = await synth("dev-infra");
        prod = await synth("prod-infra");
    });

    it("names nodes after a hash of their spec and marks image, flavor, user-data and name replace-on-change", () => {
        for (const instance of ofType(prod, INSTANCE)) {
            assert.match(String(instance.inputs.name), /^prod-(server|agent)-\d-[0-9a-f]{6}$/);
            assert.deepEqual(instance.options.replaceOnChanges, ["flavorName", "imageName", "name", "userData"]);
            assert.equal(instance.options.deleteBeforeReplace, true);
        }
    });

    it("creates nodes one at a time: each after the previous node's lifecycle gate", () => {
        const nodes = [...instances(prod, "server"), ...instances(prod, "agent")];
        assert.deepEqual(
            nodes[0].options.dependsOn.map((u) => u.split("::").pop()),
            ["prod-k3s-network-router-if"],
        );
        for (let i = 1; i < nodes.length; i++) {
            const previousSlot = (nodes[i - 1].inputs.metadata as Record<string, string>).slot;
            assert.deepEqual(
                nodes[i].options.dependsOn.map((u) => u.split("::").pop()).sort(),
                ["prod-k3s-network-router-if", `prod-k3s-${previousSlot}-lifecycle`].sort(),
                `${nodes[i].name} waits for ${previousSlot} (and the router)`,
            );
        }
    });

    it("drains and removes a node before its VM is deleted, and gates the stack on readiness", () => {
        const lifecycle = byName(prod, "prod-k3s-agent-1-lifecycle");
        assert.match(String(lifecycle.inputs.delete), /drain-node$/);
        assert.match(String(lifecycle.inputs.create), /wait-cluster$/);
        const env = lifecycle.inputs.environment as Record<string, unknown>;
        assert.equal(env.NODE_NAME, instances(prod, "agent")[1].inputs.name);
        assert.ok(secretText(env.KUBECONFIG_DATA).includes("client-key-data"), "the kubeconfig reaches the command as a secret");
        assert.equal(env.TASK_GRACE_SECONDS, "600", "Airflow task pods get drainTaskGraceMinutes (default 10) to finish");
        const ready = byName(prod, "prod-k3s-ready");
        assert.equal(ready.options.dependsOn.length, 7);
        assert.equal(String((ready.inputs.environment as Record<string, unknown>).NODE_NAMES).split(",").length, 7);
    });

    it("keeps floating IP, ports, volume and tokens out of node replacement", () => {
        const assoc = byName(dev, "dev-k3s-entry-fip-assoc");
        assert.match(
            String(assoc.inputs.portId),
            /^dev-k3s-server-0-port(-[0-9a-f]{4})?-id$/,
            "the floating IP follows the stable port, not the VM",
        );
        const volume = byName(dev, "dev-k3s-nfs-data");
        assert.equal(volume.options.protect, true);
        const vip = byName(prod, "prod-k3s-entry-fip-assoc");
        assert.match(String(vip.inputs.portId), /^prod-k3s-api-vip(-[0-9a-f]{4})?-id$/, "HA: the floating IP points at the VRRP VIP");
        assert.deepEqual(
            vip.options.dependsOn.map((u) => u.split("::").pop()),
            ["prod-k3s-network-router-if"],
            "associated only once the subnet is routed",
        );
        // Deletes run in reverse: server-0 is drained before its data volume is detached.
        const lifecycle = byName(dev, "dev-k3s-server-0-lifecycle");
        assert.ok(lifecycle.options.dependsOn.some((u) => u.endsWith("::dev-k3s-server-0-data-attach")));
    });

    it("changing one agent's image replaces that agent alone", async () => {
        const changed = await synth("dev-infra", {
            "data-platform:nodeOverrides": JSON.stringify({ "agent-1": { image: "Ubuntu 24.04 (2026-11)" } }),
        });
        const before = new Map(dev.resources.map((r) => [r.urn, JSON.stringify(r)]));
        const differing = changed.resources.filter((r) => before.get(r.urn) !== JSON.stringify(r)).map((r) => r.name);
        // The agent itself, its own lifecycle gate (drains/waits for that node name) and the
        // cluster readiness gate, which lists every node name.
        assert.deepEqual(differing.sort(), ["dev-k3s-agent-1", "dev-k3s-agent-1-lifecycle", "dev-k3s-ready"]);
        const agent = (result: SynthResult) => instances(result, "agent")[1];
        assert.equal(agent(changed).inputs.imageName, "Ubuntu 24.04 (2026-11)");
        assert.notEqual(agent(changed).inputs.name, agent(dev).inputs.name, "the replacement joins under a new node name");
        assert.equal(changed.resources.length, dev.resources.length);
    });

    /** Instances whose VM would be replaced (its name, which carries the spec hash, changes). */
    const replacedInstances = (before: SynthResult, after: SynthResult): string[] => {
        const names = new Map(ofType(before, INSTANCE).map((r) => [r.name, r.inputs.name]));
        return ofType(after, INSTANCE)
            .filter((r) => names.get(r.name) !== r.inputs.name)
            .map((r) => r.name)
            .sort();
    };

    it("changing a cluster-wide setting (flannelBackend) rolls every node, agents included", async () => {
        const changed = await synth("prod-infra", { "data-platform:flannelBackend": "vxlan" });
        const all = ofType(prod, INSTANCE)
            .map((r) => r.name)
            .sort();
        assert.ok(instances(prod, "server").length === 3 && instances(prod, "agent").length > 0);
        assert.deepEqual(replacedInstances(prod, changed), all, "agents run flannel with the servers' backend: they roll too");
        // Agents' own user-data does not change; the hash of cluster-wide settings does.
        const agentUserData = (r: SynthResult) =>
            instances(r, "agent").map((i) => secretText(i.inputs.userData).replace(/prod-agent-\d-[0-9a-f]+/g, "NAME"));
        assert.deepEqual(agentUserData(changed), agentUserData(prod));
    });

    it("changing an agent-only setting (a pool's labels) rolls the agents and no server", async () => {
        const pool = {
            flavor: instances(prod, "agent")[0].inputs.flavorName,
            count: instances(prod, "agent").length,
            labels: { "platform.example.org/tier": "batch" },
        };
        const changed = await synth("prod-infra", { "data-platform:agentPools": JSON.stringify({ default: pool }) });
        assert.deepEqual(
            replacedInstances(prod, changed),
            instances(prod, "agent")
                .map((r) => r.name)
                .sort(),
        );
    });
});
