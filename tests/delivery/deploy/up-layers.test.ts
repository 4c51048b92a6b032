/**
 * `npm run up` on an environment whose lower layers are new or whose read outputs change: layer
 * by layer (preview → confirm → apply, then the next preview), through `deploy` and the STAND-IN
 * `pulumi` on PATH (deployHarness.ts). The stand-in fails an upper layer's preview while a lower
 * stack lacks an output that layer reads, as Pulumi's StackReference does.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import { changing, fullOutputs, PREVIEWS_FIRST, readsOf, run, STACKS, TWO, urn, verbs } from "../deployHarness";

const stackStep = (stack: string, extra: Record<string, unknown> = {}) => ({
    op: "same",
    urn: urn(stack, "pulumi:pulumi:Stack", stack),
    ...extra,
});
const creates = (stack: string) => [
    { op: "create", urn: urn(stack, "kubernetes:core/v1:Namespace", `${stack}-ns`) },
    stackStep(stack, { op: "create" }),
];
/** Initialised in the backend, never deployed: no outputs until its first update. */
const fresh = (stack: string) => ({
    version: 0,
    outputs: {},
    outputsAfterUp: fullOutputs(stack),
    reads: readsOf(stack),
    steps: creates(stack),
});
const deployed = (stack: string, extra: Record<string, unknown> = {}) => ({ ...changing(stack), ...extra });
const env = (make: (stack: string) => Record<string, unknown>) => ({
    stacks: Object.fromEntries(STACKS.map(({ stack }) => [stack, make(stack)])),
});
const ONE_BY_ONE = ["preview dev-infra", "up dev-infra", "preview dev-cluster", "up dev-cluster", "preview dev-apps", "up dev-apps"];

describe("delivery: up brings an environment up layer by layer when it must", () => {
    it("nothing deployed: each layer is previewed, confirmed and applied before the next is previewed", async () => {
        const asked: string[] = [];
        const r = await run(env(fresh), { confirm: async (q) => (asked.push(q), true) });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(verbs(r.calls), ONE_BY_ONE);
        assert.match(
            r.out,
            new RegExp(
                /Mode: layer by layer: dev-infra has no outputs yet, dev-cluster reads kubeconfig, cloudCredentials,/.source +
                    / ingressAddress and 4 more from it, dev-apps reads kubeconfig, nodePools, nodes from it\./.source,
            ),
        );
        assert.deepEqual(asked, [
            "Apply this preview to dev-infra (layer 1 of 3)? [y/N] ",
            "Apply this preview to dev-cluster (layer 2 of 3)? [y/N] ",
            "Apply this preview to dev-apps (layer 3 of 3)? [y/N] ",
        ]);
        // Each layer's preview was shown before its question, and each apply holds that layer's saved plan.
        assert.ok(r.out.indexOf("dev-cluster (cluster, stack version 0): 2 create") > r.out.indexOf("[1/3] dev-infra: done"));
        for (const c of r.calls.filter((c) => c[0] === "up"))
            assert.equal(c[c.indexOf("--plan") + 1], path.join(r.dir, "plans", `${c[c.indexOf("--stack") + 1]}.plan.json`));
        assert.match(r.out, /\[3\/3\] up dev-apps \(apps\) \.\.\./);
        assert.match(r.out, /dev: up finished for every layer/);
    });

    it("only infra deployed: cluster and apps go one by one; infra without changes is not asked about", async () => {
        const asked: string[] = [];
        const infraSame = deployed("dev-infra", { steps: [stackStep("dev-infra")] });
        const r = await run(
            env((s) => (s === "dev-infra" ? infraSame : fresh(s))),
            { confirm: async (q) => (asked.push(q), true) },
        );
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(
            verbs(r.calls),
            ONE_BY_ONE.filter((v) => v !== "up dev-infra"),
        );
        assert.match(
            r.out,
            new RegExp(
                /Mode: layer by layer: dev-cluster has no outputs yet, dev-apps reads/.source +
                    / ingressClass, storageClasses, kafkaBootstrap and 5 more from it\./.source,
            ),
        );
        assert.match(r.out, /dev-infra: no changes, nothing to apply\./);
        assert.equal(asked.length, 2);
    });

    it("everything deployed, no read output changes: every layer previewed first, one question (an unread output may change)", async () => {
        const asked: string[] = [];
        const apiMoves = [
            changing("dev-infra").steps[0],
            stackStep("dev-infra", { detailedDiff: { "outputs.apiEndpoint": { kind: "update" } } }),
        ];
        const r = await run(
            env((s) => deployed(s, s === "dev-infra" ? { steps: apiMoves } : {})),
            { confirm: async (q) => (asked.push(q), true) },
        );
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(verbs(r.calls), PREVIEWS_FIRST);
        assert.match(r.out, /Mode: previews first: dev-infra, dev-cluster already have every output the layers above read\./);
        assert.deepEqual(asked, ["Apply this preview to dev? [y/N] "]);
    });

    it("everything deployed but infra's kubeconfig will change: layer by layer from infra on", async () => {
        const moves = [
            changing("dev-infra").steps[0],
            stackStep("dev-infra", {
                detailedDiff: { "outputs.kubeconfig": { kind: "update" }, "outputs.apiEndpoint": { kind: "update" } },
            }),
        ];
        const r = await run(
            env((s) => deployed(s, s === "dev-infra" ? { steps: moves } : {})),
            { confirm: async () => true },
        );
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(verbs(r.calls), ONE_BY_ONE);
        assert.match(r.out, /Mode: previews first/);
        assert.match(
            r.out,
            new RegExp(
                /Mode: layer by layer from here: dev-infra's preview changes kubeconfig, which /.source +
                    /dev-cluster and dev-apps read; their previews are made after dev-infra is applied\./.source,
            ),
        );
    });

    it("a layer's apply fails: the layers above are not previewed, and the summary says what was applied", async () => {
        const r = await run(
            env((s) => (s === "dev-cluster" ? { ...fresh(s), applyFails: "timeout waiting for ingress-nginx" } : fresh(s))),
            { confirm: async () => true },
        );
        assert.equal(r.code, 1);
        assert.deepEqual(verbs(r.calls), ["preview dev-infra", "up dev-infra", "preview dev-cluster", "up dev-cluster"]);
        assert.match(r.out, /dev-cluster +failed/);
        assert.match(r.out, /dev-apps +not previewed/);
        assert.match(r.out, /Applied: dev-infra \(2 create\)\./);
        assert.match(r.out, /dev-cluster may be partly applied/);
    });

    it("the first layer's apply fails: nothing above is previewed", async () => {
        const r = await run(
            env((s) => (s === "dev-infra" ? { ...fresh(s), applyFails: "quota exceeded" } : fresh(s))),
            { stacks: TWO, confirm: async () => true },
        );
        assert.equal(r.code, 1);
        assert.deepEqual(verbs(r.calls), ["preview dev-infra", "up dev-infra"]);
        assert.match(r.out, /dev-cluster +not previewed/);
        assert.match(r.out, /quota exceeded/);
    });

    it("answering no to a later layer stops there and says what was applied", async () => {
        const r = await run(env(fresh), { stacks: TWO, confirm: async (q) => q.includes("dev-infra") });
        assert.equal(r.code, 1);
        assert.deepEqual(verbs(r.calls), ["preview dev-infra", "up dev-infra", "preview dev-cluster"]);
        assert.match(r.out, /ERR Cancelled\. Applied: dev-infra \(2 create\)\./);
    });

    it("--preview-only previews up to the first new layer and names what it could not preview", async () => {
        const r = await run(env(fresh), { previewOnly: true });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(verbs(r.calls), ["preview dev-infra"]);
        assert.match(r.out, /Not previewed: dev-cluster, dev-apps: they read outputs that applying dev-infra sets\./);
    });

    it(
        "--expect-preview approves only the layers it covered: " + "infra is applied, the cluster's new preview needs its own approval",
        async () => {
            const first = await run(env(fresh), { stacks: TWO, previewOnly: true });
            const fp = /Preview fingerprint: ([0-9a-f]{64})/.exec(first.out)![1];
            const r = await run(env(fresh), { stacks: TWO, expectPreview: fp });
            assert.equal(r.code, 1);
            assert.deepEqual(verbs(r.calls), ["preview dev-infra", "up dev-infra", "preview dev-cluster"]);
            assert.match(
                r.out,
                /dev-cluster could only be previewed after dev-infra was applied, so its preview is not part of the approved one/,
            );
        },
    );

    it("a pre-apply check refusing a layer stops before its question; the layers below stay applied", async () => {
        const r = await run(env(fresh), {
            stacks: TWO,
            confirm: async (q) => (assert.ok(!q.includes("dev-cluster"), "asked about the refused layer"), true),
            preApplyChecks: [(layer) => (layer.layer === "cluster" ? ["stand-in refusal for the test"] : [])],
        });
        assert.equal(r.code, 1);
        assert.deepEqual(verbs(r.calls), ["preview dev-infra", "up dev-infra", "preview dev-cluster"]);
        assert.match(r.out, /ERR dev-cluster is not applied:\n {2}- stand-in refusal for the test\nApplied: dev-infra \(2 create\)\./);
    });
});
