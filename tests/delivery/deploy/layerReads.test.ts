import * as assert from "node:assert/strict";
import { changingOutputs, modeFromOutputs, readersOf, switchAfterPreview, UNKNOWN } from "../../../delivery/deploy/layerReads";
import { LAYER_READS } from "../../../lib/contracts";

const STACKS = [
    { layer: "infra" as const, stack: "t-infra" },
    { layer: "cluster" as const, stack: "t-cluster" },
    { layer: "apps" as const, stack: "t-apps" },
];
const root = (extra: Record<string, unknown>) => ({
    op: "same",
    urn: "urn:pulumi:t-infra::data-platform::pulumi:pulumi:Stack::t-infra",
    ...extra,
});
const all = (layer: "infra" | "cluster") =>
    Object.fromEntries(
        Object.values(LAYER_READS)
            .flatMap((r) => [...(r[layer]?.required ?? []), ...(r[layer]?.optional ?? [])])
            .map((k) => [k, "v"]),
    );

describe("delivery: which outputs the layers read, and the mode of up", () => {
    it("readers come from the contracts: cluster and apps read infra, apps reads cluster, nobody reads apps", () => {
        assert.deepEqual(
            readersOf(STACKS[0], STACKS).map((r) => r.stack),
            ["t-cluster", "t-apps"],
        );
        assert.deepEqual(
            readersOf(STACKS[1], STACKS).map((r) => r.stack),
            ["t-apps"],
        );
        assert.deepEqual(readersOf(STACKS[2], STACKS), []);
        // A run without the reader (a rollback of infra alone) has nothing to wait for.
        assert.deepEqual(readersOf(STACKS[0], [STACKS[0]]), []);
        assert.ok(readersOf(STACKS[0], STACKS)[0].required.includes("kubeconfig"));
    });

    it("a lower stack lacking a required read output is new; a missing optional one is not", () => {
        const outputs = new Map([
            ["t-infra", all("infra")],
            ["t-cluster", all("cluster")],
        ]);
        assert.equal(modeFromOutputs(STACKS, outputs).layerByLayer, false);
        const { backupStore: _b, ...noBackup } = all("infra");
        assert.equal(modeFromOutputs(STACKS, new Map([...outputs, ["t-infra", noBackup]])).layerByLayer, false);
        const { nfs: _n, ...noNfs } = all("infra");
        const lacking = modeFromOutputs(STACKS, new Map([...outputs, ["t-infra", noNfs]]));
        assert.equal(lacking.reason, "layer by layer: t-infra lacks nfs, t-cluster reads nfs from it");
        assert.match(
            modeFromOutputs(STACKS, new Map([["t-infra", all("infra")]])).reason,
            /^layer by layer: t-cluster has no outputs yet, t-apps reads /,
        );
    });

    it("read outputs that change: a diff entry, a different plain value or an unknown one; [secret] on both sides tells nothing", () => {
        const keys = ["kubeconfig", "nodes", "nfs", "ingressAddress"];
        assert.deepEqual(changingOutputs([root({ detailedDiff: { "outputs.kubeconfig": { kind: "update" } } })], keys), ["kubeconfig"]);
        assert.deepEqual(changingOutputs([root({ diffReasons: ["nfs"] })], keys), ["nfs"]);
        const old = { kubeconfig: "[secret]", nodes: [{ address: "a" }], ingressAddress: "x" };
        assert.deepEqual(
            changingOutputs([root({ oldState: { outputs: old }, newState: { outputs: { ...old, nodes: [{ address: UNKNOWN }] } } })], keys),
            ["nodes"],
        );
        assert.deepEqual(
            changingOutputs([root({ oldState: { outputs: old }, newState: { outputs: { ...old, ingressAddress: "y" } } })], keys),
            ["ingressAddress"],
        );
        assert.deepEqual(changingOutputs([root({ oldState: { outputs: old }, newState: { outputs: old } })], keys), []);
        // No new outputs in the JSON: only the diff entries count.
        assert.deepEqual(changingOutputs([root({ oldState: { outputs: old } })], keys), []);
        assert.deepEqual(changingOutputs([root({ op: "create" })], keys), keys);
        assert.deepEqual(changingOutputs([], keys), []);
    });

    it("switching names the changed outputs and only the layers that read them", () => {
        const only = [STACKS[0], STACKS[1]];
        const why = switchAfterPreview(STACKS[0], [root({ detailedDiff: { "outputs.nfs": { kind: "update" } } })], STACKS);
        assert.equal(
            why,
            "layer by layer from here: t-infra's preview changes nfs, which t-cluster reads; its preview is made after t-infra is applied",
        );
        assert.equal(
            switchAfterPreview(STACKS[0], [root({ detailedDiff: { "outputs.apiEndpoint": { kind: "update" } } })], only),
            undefined,
        );
    });
});
