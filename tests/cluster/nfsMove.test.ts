/**
 * RWX moved from nfs-subdir-external-provisioner to the CSI NFS driver: what the diff does to a
 * cluster made before, and that a claim keeps its directory on the export.
 *
 * tests/fixtures/csi-nfs/before holds the storage area (the Storage component's resources and the
 * provisioner namespace's NetworkPolicies) of the dev-cluster fixture stack, recorded from the code
 * before the move. The rest of the stack is today's, so the diff shows the move and nothing else.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { diffSynth } from "../../delivery/diff/diff";
import { renderStackDiff } from "../../delivery/diff/markdown";
import type { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { byName, synth } from "../support/synth";

const RECORDED = path.join(__dirname, "..", "fixtures", "csi-nfs", "before", "dev-cluster.storage.synth.json");
const inStorageArea = (r: SynthResource) =>
    r.urn.includes("data-platform:cluster:Storage") || r.name.includes("-network-policies-nfs-provisioner-");

/** A claim's directory under the export, from a provisioner's path template. */
function claimDirectory(template: string, claim: { namespace: string; name: string }): string {
    return (
        template
            // nfs-subdir-external-provisioner's pathPattern (Go template fields of the claim)
            .replace(/\$\{\.PVC\.namespace\}/g, claim.namespace)
            .replace(/\$\{\.PVC\.name\}/g, claim.name)
            // the CSI driver's subDir
            .replace(/\$\{pvc\.metadata\.namespace\}/g, claim.namespace)
            .replace(/\$\{pvc\.metadata\.name\}/g, claim.name)
    );
}

describe("RWX on the CSI NFS driver: the move from nfs-subdir-external-provisioner", () => {
    let recorded: SynthResult;
    let previous: SynthResult;
    let today: SynthResult;
    before(async () => {
        recorded = JSON.parse(fs.readFileSync(RECORDED, "utf8")) as SynthResult;
        today = await synth("dev-cluster");
        previous = { ...today, resources: [...today.resources.filter((r) => !inStorageArea(r)), ...recorded.resources] };
    });

    it(
        "replaces the release old one first, creates the class after it, " +
            "deletes the provisioner's namespace; cinder and the rest stay",
        () => {
            const diff = diffSynth(previous, today);
            const moved = diff.changes
                .filter((c) => c.kind !== "update")
                .map((c) => `${c.kind} ${c.name}`)
                .sort();
            assert.deepEqual(moved, [
                "create dev-storage-nfs-class",
                "delete dev-network-policies-nfs-provisioner-allow-dns",
                "delete dev-network-policies-nfs-provisioner-default-deny",
                "delete dev-network-policies-nfs-provisioner-kubernetes-api",
                "delete dev-storage-nfs-ns",
                "replace dev-storage-nfs",
            ]);
            const release = diff.changes.find((c) => c.name === "dev-storage-nfs")!;
            assert.deepEqual([...release.why].sort(), ["name", "namespace"]);
            assert.equal(release.after!.inputs.chart, "csi-driver-nfs");
            assert.equal(release.after!.inputs.namespace, "kube-system");
            // The old release goes before anything is created: its uninstall removes the chart-owned
            // class `nfs`, which the new class (created after the new release) then takes over.
            assert.equal(release.after!.options.deleteBeforeReplace, true);
            assert.ok(byName(today, "dev-storage-nfs-class").options.dependsOn.includes(release.after!.urn));
            // No claim, volume or other storage object is touched: only the objects of the move change kind.
            const updates = diff.changes.filter((c) => c.kind === "update" && inStorageArea(c.before ?? c.after!));
            assert.deepEqual(
                updates.map((c) => c.name),
                [],
            );
            assert.match(renderStackDiff(diff), /dev-storage-nfs/);
        },
    );

    it("a claim keeps its directory: the class' subDir names the same <namespace>/<claim> as the old path pattern", () => {
        const old = recorded.resources.find((r) => r.name === "dev-storage-nfs")!.inputs.values as {
            storageClass: { pathPattern: string; name: string; reclaimPolicy: string };
            nfs: { server: string; path: string };
        };
        const now = byName(today, "dev-storage-nfs-class").inputs as {
            metadata: { name: string };
            parameters: Record<string, string>;
            reclaimPolicy: string;
        };
        assert.equal(now.metadata.name, old.storageClass.name, "claims name the same class");
        assert.equal(now.reclaimPolicy, old.storageClass.reclaimPolicy);
        assert.deepEqual([now.parameters.server, now.parameters.share], [old.nfs.server, old.nfs.path], "the same export");
        for (const claim of [
            { namespace: "airflow", name: "airflow-logs" },
            { namespace: "airflow", name: "airflow-dags" },
            { namespace: "team-a", name: "shared" },
        ]) {
            assert.equal(
                claimDirectory(now.parameters.subDir, claim),
                claimDirectory(old.storageClass.pathPattern, claim),
                `${claim.namespace}/${claim.name}`,
            );
            assert.equal(claimDirectory(now.parameters.subDir, claim), `${claim.namespace}/${claim.name}`);
        }
    });

    it("the apps' RWX claims name the class, unchanged: no claim is replaced by the move", async () => {
        const apps = await synth("dev-apps");
        const claims = apps.resources.filter(
            (r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && (r.inputs.spec as any)?.accessModes?.includes("ReadWriteMany"),
        );
        assert.ok(claims.length >= 2, "Airflow's logs and DAGs claims");
        for (const c of claims) assert.equal((c.inputs.spec as any).storageClassName, "nfs", c.name);
    });
});
