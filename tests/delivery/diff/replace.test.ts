/**
 * Crafted changes through the real program: each must come out of the synth diff — and of the
 * rollback plan that undoes it — as exactly the replace / update / create / delete set the
 * providers' rules at the pinned versions (delivery/providers/tables) and the resource options imply.
 */
import * as assert from "node:assert/strict";
import { diffSynth, StackDiff } from "../../../delivery/diff/diff";
import { renderStackDiff } from "../../../delivery/diff/markdown";
import { planRollback } from "../../../delivery/rollback/rollback";
import type { LayerName } from "../../../lib/layers";
import type { SynthResult } from "../../../delivery/synth/synth";
import { synth } from "../../support/synth";

type Sets = { replace?: string[]; update?: string[]; create?: string[]; delete?: string[] };

/** `kind name` lines (type added where a component and its resource share a name). */
function sets(diff: StackDiff): Required<Sets> {
    const out: Required<Sets> = { replace: [], update: [], create: [], delete: [] };
    for (const c of diff.changes)
        out[c.kind].push(c.type.startsWith("platform:") || c.type.startsWith("data-platform:") ? `${c.name} (component)` : c.name);
    for (const k of Object.keys(out) as (keyof Sets)[]) out[k].sort();
    return out;
}

function expectSets(diff: StackDiff, expected: Sets): void {
    assert.deepEqual(
        sets(diff),
        {
            replace: [],
            update: [],
            create: [],
            delete: [],
            ...Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [...v].sort()])),
        },
        renderStackDiff(diff),
    );
}

function edit(result: SynthResult, name: string, change: (inputs: Record<string, any>) => void): SynthResult {
    const copy = JSON.parse(JSON.stringify(result)) as SynthResult;
    const target = copy.resources.find((r) => r.name === name);
    if (!target) throw new Error(`no ${name}`);
    change(target.inputs as Record<string, any>);
    return copy;
}

interface Case {
    readonly label: string;
    readonly layer: LayerName;
    readonly stack: string;
    readonly change: (base: SynthResult) => Promise<SynthResult> | SynthResult;
    readonly forward: Sets;
    /** The field named in the REPLACE line of the first replaced resource. */
    readonly why?: [string, string];
    /** The rollback plan (current = changed, target = base): its diff and whether it may proceed. */
    readonly back: Sets;
    readonly refused?: RegExp;
}

const override = (stack: string, values: Record<string, string>) => () => synth(stack, values);

const CASES: Case[] = [
    {
        label: "sshPublicKey: the key pair is replaced under a new name; nodes keep running (keyPair is ignored)",
        layer: "infra",
        stack: "dev-infra",
        change: override("dev-infra", {
            "data-platform:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRotatedDevKey00000000000000000000000000000 platform-dev",
        }),
        forward: { replace: ["dev-k3s-keypair"] },
        why: ["dev-k3s-keypair", "publicKey"],
        back: { replace: ["dev-k3s-keypair"] },
    },
    {
        label: "externalNetwork: a new floating IP and association; servers stay (the kubeconfig checks the certificate by name)",
        layer: "infra",
        stack: "prod-infra",
        change: override("prod-infra", { "data-platform:externalNetwork": "public-2" }),
        forward: {
            replace: ["prod-k3s-entry-fip", "prod-k3s-entry-fip-assoc"],
            update: [
                "prod-k3s-network-router",
                "prod-k3s-ready",
                ...[0, 1, 2].map((i) => `prod-k3s-server-${i}-lifecycle`),
                ...[0, 1, 2, 3].map((i) => `prod-k3s-agent-${i}-lifecycle`),
            ],
        },
        why: ["prod-k3s-entry-fip", "pool"],
        back: {
            replace: ["prod-k3s-entry-fip", "prod-k3s-entry-fip-assoc"],
            update: [
                "prod-k3s-network-router",
                "prod-k3s-ready",
                ...[0, 1, 2].map((i) => `prod-k3s-server-${i}-lifecycle`),
                ...[0, 1, 2, 3].map((i) => `prod-k3s-agent-${i}-lifecycle`),
            ],
        },
        refused: /prod-k3s-entry-fip .*would be replaced/,
    },
    {
        label: "agent flavor: both agents replaced, their lifecycle commands and the readiness gate re-run",
        layer: "infra",
        stack: "dev-infra",
        change: override("dev-infra", { "data-platform:agentPools": JSON.stringify({ default: { flavor: "mb1.xlarge", count: 2 } }) }),
        forward: {
            replace: ["dev-k3s-agent-0", "dev-k3s-agent-1", "dev-k3s-agent-0-lifecycle", "dev-k3s-agent-1-lifecycle", "dev-k3s-ready"],
        },
        why: ["dev-k3s-agent-0", "flavorName"],
        back: {
            replace: ["dev-k3s-agent-0", "dev-k3s-agent-1", "dev-k3s-agent-0-lifecycle", "dev-k3s-agent-1-lifecycle", "dev-k3s-ready"],
        },
    },
    {
        label: "image: every node replaced, server-0's data volume re-attached to the new VM",
        layer: "infra",
        stack: "dev-infra",
        change: override("dev-infra", { "data-platform:image": "Ubuntu 26.04" }),
        forward: {
            replace: [
                "dev-k3s-server-0",
                "dev-k3s-agent-0",
                "dev-k3s-agent-1",
                "dev-k3s-server-0-lifecycle",
                "dev-k3s-agent-0-lifecycle",
                "dev-k3s-agent-1-lifecycle",
                "dev-k3s-ready",
                "dev-k3s-server-0-data-attach",
                "dev-k3s-server-0-datastore-attach",
            ],
        },
        why: ["dev-k3s-agent-0", "imageName"],
        back: {
            replace: [
                "dev-k3s-server-0",
                "dev-k3s-agent-0",
                "dev-k3s-agent-1",
                "dev-k3s-server-0-lifecycle",
                "dev-k3s-agent-0-lifecycle",
                "dev-k3s-agent-1-lifecycle",
                "dev-k3s-ready",
                "dev-k3s-server-0-data-attach",
                "dev-k3s-server-0-datastore-attach",
            ],
        },
    },
    {
        label: "PVC storage class: the claim is replaced (pulumi-kubernetes replaces on spec.storageClassName)",
        layer: "apps",
        stack: "dev-apps",
        change: (base) =>
            edit(base, "todo-postgresql-data", (i) => {
                i.spec.storageClassName = "local-path";
            }),
        forward: { replace: ["todo-postgresql-data"] },
        why: ["todo-postgresql-data", "spec.storageClassName"],
        back: { replace: ["todo-postgresql-data"] },
        refused: /todo-postgresql-data .*would be replaced because `?spec\.storageClassName/,
    },
    {
        label: "Kafka storage size: the node pool is updated in place (CRDs replace only on their name)",
        layer: "cluster",
        stack: "dev-cluster",
        change: override("dev-cluster", { "data-platform:kafkaStorageGi": "20" }),
        forward: { update: ["dev-kafka-pool"] },
        back: { update: ["dev-kafka-pool"] },
        refused: /dev-kafka-pool .*would (change its storage|shrink)/,
    },
    {
        label: "a command trigger: the command is replaced (pulumi-command replaces on triggers), nothing else",
        layer: "infra",
        stack: "dev-infra",
        change: (base) =>
            edit(base, "dev-k3s-ready", (i) => {
                i.triggers = [...i.triggers, "extra"];
            }),
        forward: { replace: ["dev-k3s-ready"] },
        why: ["dev-k3s-ready", "triggers"],
        back: { replace: ["dev-k3s-ready"] },
    },
    {
        label: "a chart version: the Helm release is updated in place",
        layer: "cluster",
        stack: "dev-cluster",
        change: override("dev-cluster", { "data-platform:chartVersions": JSON.stringify({ "ingress-nginx": "4.15.2" }) }),
        forward: { update: ["dev-ingress-release"] },
        back: { update: ["dev-ingress-release"] },
    },
    {
        label: "agent count 2 → 3: a new agent (port, VM, lifecycle) and the readiness gate re-run",
        layer: "infra",
        stack: "dev-infra",
        change: override("dev-infra", { "data-platform:agentPools": JSON.stringify({ default: { flavor: "mb1.large", count: 3 } }) }),
        forward: {
            create: ["dev-k3s-agent-2", "dev-k3s-agent-2 (component)", "dev-k3s-agent-2-port", "dev-k3s-agent-2-lifecycle"],
            replace: ["dev-k3s-ready"],
        },
        why: ["dev-k3s-ready", "triggers"],
        back: {
            delete: ["dev-k3s-agent-2", "dev-k3s-agent-2 (component)", "dev-k3s-agent-2-port", "dev-k3s-agent-2-lifecycle"],
            replace: ["dev-k3s-ready"],
        },
    },
];

describe("delivery: crafted changes give the providers' replace/update/create sets (diff and rollback)", function () {
    this.timeout(60000);
    for (const c of CASES) {
        it(c.label, async () => {
            const base = await synth(c.stack);
            const changed = await c.change(base);
            const diff = diffSynth(base, changed);
            expectSets(diff, c.forward);
            if (c.why) {
                const replaced = diff.changes.find((x) => x.kind === "replace" && x.name === c.why![0])!;
                assert.ok(replaced.why.includes(c.why[1]), `${c.why[0]}: why ${replaced.why.join(", ")}`);
                assert.match(
                    renderStackDiff(diff),
                    new RegExp(`\\*\\*REPLACE\\*\\* \`${c.why[0]}\` \\([^)]*\\) \\(why: [^)]*\`${c.why[1].replace(/\./g, "\\.")}\``),
                );
            }
            const plan = planRollback({
                env: c.stack.split("-")[0],
                tag: "v0.0.0",
                layers: [{ layer: c.layer, stack: c.stack, current: changed, target: base }],
            });
            expectSets(plan.layers[0].diff!, c.back);
            if (c.refused) {
                assert.equal(plan.proceed, false);
                assert.ok(
                    plan.blockers.some((b) => c.refused!.test(b.message)),
                    plan.blockers.map((b) => b.message).join("\n"),
                );
            } else {
                assert.deepEqual(plan.blockers, [], plan.blockers.map((b) => b.message).join("\n"));
            }
        });
    }
});
