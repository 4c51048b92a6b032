/**
 * The engine stand-in's plan (tests/lifetime/support/plan.ts) from small synth results built
 * here: creates in dependsOn order, a replacement with its old and new lifecycle command lines,
 * replacements grouped as the diff's roll batches, `--replace` without a change, a delete, and
 * the cluster gate after the nodes; and, from the synth of a prod stack, the plan of a server
 * token rotation and of one agent more right after the create (agent-scale). The batched roll of
 * a real pool: batched.test.ts.
 */
import * as assert from "node:assert/strict";
import { NO_OPTIONS, SynthResource, SynthResult } from "../../delivery/synth/synth";
import { describePlan, metadataOf, nodesOf, planNodes, settlesBootstrap, vmChanges } from "./support/plan";
import { defaultPoolCount } from "../boot/support/cluster";
import { PROJECT } from "../../delivery/synth/stacks";
import { synth as synthStack } from "../support/synth";
import { componentType } from "../../lib/componentType";

const NODE = componentType("infra", "K3sNode");
const INSTANCE = "openstack:compute/instance:Instance";
const COMMAND = "command:local:Command";
const urn = (type: string, name: string) => `urn:pulumi:t::p::${type}::${name}`;

function res(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<SynthResource> = {}): SynthResource {
    return { urn: urn(type, name), type, name, custom: type !== NODE, parent: null, provider: null, inputs, options: NO_OPTIONS, ...extra };
}

/** One node: component, VM (replaced on userData/name), lifecycle command, optional attachment. */
function node(slot: string, version: string, opts: { after?: string; bootstrap?: string; datastore?: boolean } = {}): SynthResource[] {
    const c = `t-k3s-${slot}`;
    const parent = urn(NODE, c);
    const name = `${slot}-${version}`;
    const deps = opts.after ? [urn(COMMAND, `t-k3s-${opts.after}-lifecycle`)] : [];
    return [
        res(NODE, c, {}),
        res(
            INSTANCE,
            c,
            {
                name,
                userData: { "@secret": `k3s ${version}` },
                metadata: { slot, ...(opts.bootstrap ? { k3s_bootstrap: opts.bootstrap } : {}) },
            },
            {
                parent,
                options: { ...NO_OPTIONS, dependsOn: deps, replaceOnChanges: ["name", "userData"], deleteBeforeReplace: true },
                replaceOn: [
                    { path: "name", source: "replaceOnChanges" },
                    { path: "userData", source: "replaceOnChanges" },
                ],
            },
        ),
        res(
            COMMAND,
            `${c}-lifecycle`,
            {
                create: "wait-cluster",
                delete: "drain-node",
                environment: { KUBECONFIG_DATA: { "@secret": "placeholder" }, NODE_NAME: name },
            },
            { parent },
        ),
        ...(opts.datastore
            ? [res("openstack:compute/volumeAttach:VolumeAttach", `${c}-datastore-attach`, { volumeId: "v" }, { parent })]
            : []),
    ];
}

const synth = (resources: SynthResource[]): SynthResult => ({ project: "p", stack: "t", resources, outputs: {} });
const gate = (names: string) => res(COMMAND, "t-k3s-ready", { create: "wait-cluster", environment: { NODE_NAMES: names } });
const steps = (groups: { kind: string; slot: string }[][]) => groups.map((g) => g.map((s) => `${s.kind} ${s.slot}`).join(", "));

describe("lifetime engine stand-in: the plan from the offline diff", () => {
    const v1 = synth([
        ...node("server-0", "a", { bootstrap: "cluster-init", datastore: true }),
        ...node("server-1", "a", { after: "server-0" }),
        ...node("agent-0", "a", { after: "server-1" }),
        ...node("agent-1", "a", { after: "server-1" }),
        gate("all-a"),
    ]);

    it("creates servers one at a time in dependsOn order, agents together after them, then the cluster gate", () => {
        const plan = planNodes(undefined, v1);
        assert.deepEqual(steps(plan.groups), ["create server-0", "create server-1", "create agent-0, create agent-1"]);
        assert.equal(plan.groups[0][0].bootstrap, "cluster-init");
        assert.deepEqual(plan.groups[0][0].volumes, ["datastore"]);
        assert.deepEqual(
            plan.gates.map((g) => g.environment.NODE_NAMES),
            ["all-a"],
        );
    });

    it("replaces a changed VM delete-before-replace with the old node's delete and the new node's create command lines", () => {
        const v2 = synth([
            ...node("server-0", "b", { bootstrap: "join", datastore: true }),
            ...v1.resources.filter((r) => !r.name.startsWith("t-k3s-server-0") && r.name !== "t-k3s-ready"),
            gate("all-b"),
        ]);
        const plan = planNodes(v1, v2);
        assert.deepEqual(steps(plan.groups), ["replace server-0"]);
        const [step] = plan.groups[0];
        assert.equal(step.oldName, "server-0-a");
        assert.equal(step.newName, "server-0-b");
        assert.equal(step.bootstrap, "join");
        assert.equal(step.oldLifecycle?.delete, "drain-node");
        assert.equal(step.oldLifecycle?.environment.NODE_NAME, "server-0-a");
        assert.equal(step.newLifecycle?.environment.NODE_NAME, "server-0-b");
        assert.equal(step.newLifecycle?.environment.KUBECONFIG_DATA, "placeholder", "secrets unwrapped");
        assert.match(describePlan(plan)[0], /replace server-0 \(server-0-a → server-0-b\)/);
    });

    it("replaces the nodes of one roll batch (no dependsOn between them) in one group, after the batch before", () => {
        const v2 = synth([
            ...v1.resources.filter(
                (r) => !r.name.startsWith("t-k3s-agent") && !r.name.startsWith("t-k3s-server-1") && r.name !== "t-k3s-ready",
            ),
            ...node("server-1", "b", { after: "server-0" }),
            ...node("agent-0", "b", { after: "server-1" }),
            ...node("agent-1", "b", { after: "server-1" }),
            gate("all-b"),
        ]);
        const plan = planNodes(v1, v2);
        assert.deepEqual(steps(plan.groups), ["replace server-1", "replace agent-0, replace agent-1"]);
        assert.deepEqual(
            plan.groups.map((g) => g.map((s) => s.node)),
            plan.diff.roll?.map((b) => b.map((n) => n.name)),
            "the groups are the diff's roll batches",
        );
    });

    it("replaces an unchanged node on --replace, and nothing else", () => {
        assert.deepEqual(steps(planNodes(v1, v1).groups), []);
        assert.deepEqual(steps(planNodes(v1, v1, { replace: ["t-k3s-server-0"] }).groups), ["replace server-0"]);
        assert.throws(() => planNodes(v1, v1, { replace: ["t-k3s-server-9"] }), /no such node/);
    });

    it("one agent fewer drains and deletes exactly that node", () => {
        const fewer = synth(v1.resources.filter((r) => !r.name.startsWith("t-k3s-agent-1")));
        const plan = planNodes(v1, fewer);
        assert.deepEqual(steps(plan.groups), ["delete agent-1"]);
        assert.equal(plan.groups[0][0].oldLifecycle?.delete, "drain-node");
    });
});

describe("lifetime engine stand-in: the plan of a server token rotation (replace-server-0's second half)", () => {
    it("serverTokenGeneration + 1 replaces every server one at a time under its name, server-0 joining, and no agent", async () => {
        const published = { clusterId: "0123456789abcdef", apiEndpoint: "https://198.51.100.7:6443" };
        const before = await synthStack("prod-infra", {}, published);
        const after = await synthStack("prod-infra", { [`${PROJECT}:serverTokenGeneration`]: "2" }, published);
        const plan = planNodes(before, after);
        const servers = [...nodesOf(before).values()]
            .map((v) => metadataOf(v.instance))
            .filter((m) => m.role === "server")
            .map((m) => m.slot)
            .sort();
        assert.ok(servers.length > 1, "an HA stack");
        assert.deepEqual(
            steps(plan.groups),
            servers.map((slot) => `replace ${slot}`),
        );
        for (const [step] of plan.groups) assert.equal(step.newName, step.oldName, `${step.slot} keeps its name`);
        assert.equal(plan.groups[0][0].bootstrap, "join", "server-0 joins the existing members");
    });
});

describe("lifetime engine stand-in: the first up after the create (agent-scale's plan)", () => {
    const published = { clusterId: "0123456789abcdef", apiEndpoint: "https://198.51.100.7:6443" };

    it("one agent more creates that agent; server-0's k3s_bootstrap settles to join in place, and no other VM changes", async () => {
        // The create published nothing before it ran; the next up reads its outputs back.
        const created = await synthStack("prod-infra", {});
        const agents = [...nodesOf(created).values()].filter((v) => metadataOf(v.instance).role === "agent");
        const pools = defaultPoolCount("prod-infra", agents.length + 1);
        const more = await synthStack("prod-infra", { [`${PROJECT}:agentPools`]: pools.agentPools }, published);
        const plan = planNodes(created, more);
        assert.equal(plan.groups.length, 1);
        const [[step]] = plan.groups;
        assert.equal(step.kind, "create");
        const updates = plan.diff.changes.filter((c) => c.type === INSTANCE && c.kind === "update");
        const server0 = [...nodesOf(created).values()].find((v) => metadataOf(v.instance).slot === "server-0")!;
        assert.deepEqual(
            updates.map((c) => [c.name, settlesBootstrap(c)]),
            [[server0.instance.name, true]],
        );
        assert.deepEqual(vmChanges(plan), [`create ${step.node}`]);
    });

    it("settlesBootstrap is that change alone: not a join going back, not with another input, not a replacement", () => {
        const change = (kind: "update" | "replace", inputs: [string, unknown, unknown][]) => ({
            type: INSTANCE,
            kind,
            inputs: inputs.map(([path, before, after]) => ({ path, segments: [], before, after, secret: false })),
        });
        assert.ok(settlesBootstrap(change("update", [["metadata.k3s_bootstrap", "cluster-init", "join"]])));
        assert.ok(!settlesBootstrap(change("update", [["metadata.k3s_bootstrap", "join", "cluster-init"]])));
        assert.ok(!settlesBootstrap(change("update", [["metadata.k3s_bootstrap", "join", "restore:s1"]])));
        assert.ok(
            !settlesBootstrap(
                change("update", [
                    ["metadata.k3s_bootstrap", "cluster-init", "join"],
                    ["flavorName", "a", "b"],
                ]),
            ),
        );
        assert.ok(!settlesBootstrap(change("replace", [["metadata.k3s_bootstrap", "cluster-init", "join"]])));
    });
});
