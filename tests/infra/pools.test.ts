import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { synthStack } from "../../delivery/synth/stacks";
import { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { diffSynth } from "../../delivery/diff/diff";
import { renderStackDiff } from "../../delivery/diff/markdown";
import { ofType } from "../support/synth";

const FIXTURES = path.join(__dirname, "..", "fixtures", "pools");
const STACK = "mig-infra";
const INSTANCE = "openstack:compute/instance:Instance";

const synthPools = (overrides?: Record<string, string>) => synthStack(STACK, { stacksDir: path.join(FIXTURES, "pools"), overrides });
const pools = (value: unknown) => ({ "data-platform:agentPools": JSON.stringify(value) });

function k3sConfig(instance: SynthResource): Record<string, any> {
    const text = (instance.inputs.userData as { "@secret": string })["@secret"];
    const files = (parse(text.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] }).write_files;
    return parse(files.find((f) => f.path === "/etc/rancher/k3s/config.yaml")!.content);
}

const slotOf = (r: SynthResource) => (r.inputs.metadata as Record<string, string>).slot;
const bySlot = (result: SynthResult) => new Map(ofType(result, INSTANCE).map((r) => [slotOf(r), r]));

describe("agent pools", () => {
    let base: SynthResult;
    let legacy: SynthResult;
    before(async () => {
        base = await synthPools();
        legacy = await synthStack(STACK, { stacksDir: path.join(FIXTURES, "legacy") });
    });

    it(
        "moving agentCount/agentFlavor/agentLabels into agentPools.default " +
            "replaces nothing (diffed against the synth of the code before pools)",
        () => {
            // Recorded from the code before pools, with the pre-pool keys (fixtures/pools/legacy). What
            // the recording proves is identity (URNs, parents, types): later rendering changes that have
            // nothing to do with pools (user-data, cloud-init) would otherwise read as replacements, so
            // each recorded resource gets the inputs (and options) today's code renders from the same pre-pool keys.
            const recorded = JSON.parse(fs.readFileSync(path.join(FIXTURES, "before", `${STACK}.synth.json`), "utf8")) as SynthResult;
            const key = (r: SynthResource) => `${r.type} ${r.name}`;
            // A resource moved since the recording (e.g. into a component) is found by its alias.
            const today = new Map(
                legacy.resources.flatMap((r) =>
                    [r, ...(r.aliases ?? []).map((a) => ({ ...r, type: a.type ?? r.type, name: a.name ?? r.name }))].map(
                        (k) => [key(k), r] as const,
                    ),
                ),
            );
            const old: SynthResult = {
                ...recorded,
                resources: recorded.resources.map((r) => ({
                    ...r,
                    inputs: today.get(key(r))?.inputs ?? r.inputs,
                    options: today.get(key(r))?.options ?? r.options,
                })),
            };
            assert.ok(
                recorded.resources.every((r) => today.has(key(r))),
                "every recorded resource is still made from the pre-pool keys",
            );
            const diff = diffSynth(old, base);
            const real = diff.changes.filter((c) => c.kind !== "create" || (c.after?.custom ?? true));
            assert.deepEqual(
                real.map((c) => `${c.kind} ${c.name}`),
                [],
                "no replace, delete, update or create of a cloud resource",
            );
            const created = diff.changes.map((c) => `${c.kind} ${c.type}`);
            assert.ok(created.includes("create data-platform:infra:AgentPool"), "the pool's component is new");
            assert.deepEqual(
                diff.changes.filter((c) => c.after?.custom !== false).map((c) => c.name),
                [],
                "only components are new",
            );
            assert.equal(diff.roll, undefined, "no node rolls");
        },
    );

    it("the pre-pool keys still synthesize the very same resources (deprecated, one release)", async () => {
        const diff = diffSynth(legacy, base);
        assert.deepEqual(
            diff.changes.map((c) => `${c.kind} ${c.name}`),
            [],
        );
    });

    it("gives a pool's nodes its labels and taints from first boot (k3s node-label / node-taint)", async () => {
        const result = await synthPools(
            pools({
                default: { flavor: "mb1.large", count: 3, labels: { tier: "general" } },
                kafka: { flavor: "mb1.xlarge", count: 2, labels: { workload: "kafka" }, taints: ["dedicated=kafka:NoSchedule"] },
            }),
        );
        const nodes = bySlot(result);
        const kafka = k3sConfig(nodes.get("kafka-1")!);
        assert.ok(kafka["node-label"].includes("workload=kafka"));
        assert.deepEqual(kafka["node-taint"], ["dedicated=kafka:NoSchedule"]);
        assert.match(kafka["node-name"], /^mig-kafka-1-[0-9a-f]{6}$/);
        assert.equal(nodes.get("kafka-1")!.inputs.flavorName, "mb1.xlarge");
        assert.equal(k3sConfig(nodes.get("agent-0")!)["node-taint"], undefined, "the default pool is untainted");
        const group = result.resources.find((r) => r.name === "mig-k3s-kafka-group")!;
        assert.deepEqual(group.inputs.policies, ["soft-anti-affinity"]);
        assert.ok(
            result.resources.some((r) => r.type === "data-platform:infra:AgentPool" && r.name === "mig-k3s-pool-kafka"),
            "each pool is its own component",
        );
        const published = result.outputs.nodePools as { pool?: string; labels?: object; taints?: string[] }[];
        assert.deepEqual(
            published.find((p) => p.pool === "kafka"),
            {
                role: "agent",
                pool: "kafka",
                flavor: "mb1.xlarge",
                count: 2,
                vcpus: 8,
                memoryMiB: 16384,
                labels: { workload: "kafka" },
                taints: ["dedicated=kafka:NoSchedule"],
            },
        );
    });

    it("aliases only pool default's resources to their former parent; every node keeps its former type token", async () => {
        // The other pools' resources never lived under the cluster: an alias there would only cost
        // each of their resources time in every synth and deployment.
        const result = await synthPools(pools({ default: { flavor: "mb1.large", count: 2 }, kafka: { flavor: "mb1.large", count: 2 } }));
        const cluster = result.resources.find((r) => r.type === "data-platform:infra:K3sCluster")!.urn;
        const underCluster = (r: SynthResource) => (r.aliases ?? []).some((a) => a.parentUrn === cluster);
        const pooled = result.resources.filter((r) => r.parent?.includes("AgentPool::"));
        const named = (pool: RegExp) => pooled.filter((r) => pool.test(r.name)).map((r) => `${r.type} ${underCluster(r)}`);
        assert.ok(named(/-agent-\d$/).length > 0 && named(/-agent-\d$/).every((r) => r.endsWith("true")), "pool default's resources");
        assert.ok(named(/-kafka-/).length > 0 && named(/-kafka-/).every((r) => r.endsWith("false")), "pool kafka's resources");
        for (const node of result.resources.filter((r) => r.type === "data-platform:infra:K3sNode"))
            assert.ok(
                node.aliases?.some((a) => a.type === "platform:infra:K3sNode"),
                node.name,
            );
    });

    it("rolls a pool in batches of maxUnavailable after the servers (one at a time); the diff lists the batches in order", async () => {
        const config = (image: string) =>
            pools({
                default: { flavor: "mb1.large", count: 2 },
                batch: { flavor: "mb1.large", count: 4, maxUnavailable: 2, image },
            });
        const before = await synthPools(config("Test Image 1"));
        const after = await synthPools({ ...config("Test Image 1"), "data-platform:k3sVersion": "v1.34.2+k3s1" });
        const diff = diffSynth(before, after);
        const names = (batch: { name: string }[]) => batch.map((n) => n.name.replace("mig-k3s-", ""));
        assert.deepEqual(diff.roll?.map(names), [
            ["server-0"],
            ["server-1"],
            ["server-2"],
            ["agent-0"],
            ["agent-1"],
            ["batch-0", "batch-1"],
            ["batch-2", "batch-3"],
        ]);
        assert.match(
            renderStackDiff(diff),
            new RegExp(
                /Roll order: 9 node\(s\) in 7 batch\(es\)[^\n]*\n1\. `mig-k3s-server-0`\n[\s\S]*\n6\./.source +
                    / `mig-k3s-batch-0`, `mig-k3s-batch-1`\n7\. `mig-k3s-batch-2`, `mig-k3s-batch-3`/.source,
            ),
        );
        // Only the batch pool's image changes: two batches, nothing else rolls.
        const imageOnly = diffSynth(before, await synthPools(config("Test Image 2")));
        assert.deepEqual(imageOnly.roll?.map(names), [
            ["batch-0", "batch-1"],
            ["batch-2", "batch-3"],
        ]);
    });

    it("spreads servers one per zone and pools round-robin (or over their own zones); the NFS volume sits in server-0's zone", async () => {
        const result = await synthPools({
            "data-platform:availabilityZones": JSON.stringify(["az-a", "az-b", "az-c"]),
            ...pools({
                default: { flavor: "mb1.large", count: 4 },
                edge: { flavor: "mb1.large", count: 2, availabilityZones: ["az-c"], antiAffinity: "hard" },
            }),
        });
        const zones = Object.fromEntries([...bySlot(result)].map(([slot, r]) => [slot, r.inputs.availabilityZone]));
        assert.deepEqual(zones, {
            "server-0": "az-a",
            "server-1": "az-b",
            "server-2": "az-c",
            "agent-0": "az-a",
            "agent-1": "az-b",
            "agent-2": "az-c",
            "agent-3": "az-a",
            "edge-0": "az-c",
            "edge-1": "az-c",
        });
        assert.equal(result.resources.find((r) => r.name === "mig-k3s-nfs-data")!.inputs.availabilityZone, "az-a");
        const groups = ofType(result, "openstack:compute/serverGroup:ServerGroup")
            .map((g) => `${g.inputs.name} ${(g.inputs.policies as string[]).join()}`)
            .sort();
        assert.deepEqual(groups, [
            "mig-k3s-agents-az-a soft-anti-affinity",
            "mig-k3s-agents-az-b soft-anti-affinity",
            "mig-k3s-agents-az-c soft-anti-affinity",
            "mig-k3s-edge-az-c anti-affinity",
            "mig-k3s-servers-az-a soft-anti-affinity",
            "mig-k3s-servers-az-b soft-anti-affinity",
            "mig-k3s-servers-az-c soft-anti-affinity",
        ]);
    });
});
