/**
 * pulumi-kubernetes' own rule for replacing its provider resource (DiffConfig at the pinned
 * version, recorded in delivery/providers/tables/kubernetes.json) applied by the offline diff: a
 * replaced provider is shown with every resource it takes with it; a kubeconfig change under an
 * unchanged clusterIdentifier is an update.
 */
import * as assert from "node:assert/strict";
import { renderKubeconfig } from "../../../infra/kubeconfig";
import { diffSynth, StackDiff } from "../../../delivery/diff/diff";
import { renderStackDiff } from "../../../delivery/diff/markdown";
import { activeCluster, kubernetesProviderDiff } from "../../../delivery/synth/providerReplace";
import type { SynthResource, SynthResult } from "../../../delivery/synth/synth";
import { res, result } from "../fixtures";
import { synthesize } from "../../../delivery/synth/synth";
import { PROJECT, synthProgram } from "../../../delivery/synth/stacks";
import { FIXTURE_STACKS } from "../../support/stacks";
import { kubernetesClusterIdentifier } from "../../../lib/naming";
import { ofType, synth } from "../../support/synth";

const STACK = "test-cluster";
const PROVIDER = "pulumi:providers:kubernetes";

const kubeconfig = (server: string, ca = "CA-1", cert = "ADMIN-1") => ({
    "@secret": renderKubeconfig({ clusterName: "test-k3s", server, caCertPem: ca, clientCertPem: cert, clientKeyPem: "KEY" }),
});

/** A cluster layer: its provider and four objects that use it (a PVC and a Kafka among them). */
function clusterLayer(providerInputs: Record<string, unknown>): SynthResult {
    const provider = res(STACK, PROVIDER, "test-k3s", { enableServerSideApply: "true", ...providerInputs });
    const uses = (r: SynthResource): SynthResource => ({ ...r, provider: provider.urn });
    return result(STACK, [
        provider,
        uses(res(STACK, "kubernetes:core/v1:Namespace", "kafka-ns", { metadata: { name: "kafka" } })),
        uses(
            res(STACK, "kubernetes:core/v1:PersistentVolumeClaim", "nfs-claim", {
                metadata: { name: "data", namespace: "storage" },
                spec: { storageClassName: "nfs" },
            }),
        ),
        uses(res(STACK, "kubernetes:kafka.strimzi.io/v1beta2:Kafka", "kafka", { metadata: { name: "kafka", namespace: "kafka" } })),
        uses(
            res(STACK, "kubernetes:helm.sh/v3:Release", "ingress-nginx", {
                name: "ingress-nginx",
                chart: "ingress-nginx",
                version: "4.12.0",
                namespace: "ingress",
            }),
        ),
        res(STACK, "random:index/randomPassword:RandomPassword", "grafana-admin", { length: 24 }),
    ]);
}

const ID = { clusterIdentifier: "data-platform-k3s-test" };
const names = (d: StackDiff, kind: string) =>
    d.changes
        .filter((c) => c.kind === kind)
        .map((c) => c.name)
        .sort();

describe("delivery: pulumi-kubernetes' provider replacement rule", () => {
    it("a new API floating IP with a stable clusterIdentifier: the provider is updated, nothing is replaced", () => {
        const diff = diffSynth(
            clusterLayer({ ...ID, kubeconfig: kubeconfig("https://198.51.100.7:6443") }),
            clusterLayer({ ...ID, kubeconfig: kubeconfig("https://203.0.113.9:6443") }),
        );
        assert.deepEqual(names(diff, "update"), ["test-k3s"]);
        assert.deepEqual(names(diff, "replace"), []);
        assert.equal(diff.unchanged, 5);
        const text = renderStackDiff(diff);
        assert.match(text, /update\*\* `test-k3s`/);
        assert.match(
            text,
            new RegExp(
                /active cluster changed \(`server`\), but `clusterIdentifier` is unchanged:/.source +
                    / pulumi-kubernetes updates the provider in place and replaces nothing/.source,
            ),
        );
        assert.doesNotMatch(text, /203\.0\.113\.9/, "the kubeconfig is secret: its values are not shown");
    });

    it("the same change in the old program (no clusterIdentifier): the provider and all 4 objects it manages are replaced, named", () => {
        const diff = diffSynth(
            clusterLayer({ kubeconfig: kubeconfig("https://198.51.100.7:6443") }),
            clusterLayer({ kubeconfig: kubeconfig("https://203.0.113.9:6443") }),
        );
        assert.deepEqual(names(diff, "replace"), ["ingress-nginx", "kafka", "kafka-ns", "nfs-claim", "test-k3s"]);
        assert.equal(diff.unchanged, 1, "the random password does not use the provider");
        const provider = diff.changes.find((c) => c.name === "test-k3s")!;
        assert.deepEqual(provider.why, ["kubeconfig"]);
        assert.deepEqual(provider.dependents, ["ingress-nginx", "kafka", "kafka-ns", "nfs-claim"]);
        const text = renderStackDiff(diff);
        assert.match(text, /0 to create, 0 to update, 5 to replace, 0 to delete, 1 unchanged/);
        assert.match(text, /blast radius: replaces all 4 resources it manages: `ingress-nginx`, `kafka`, `kafka-ns`, `nfs-claim`/);
        assert.match(text, /REPLACE\*\* `nfs-claim` .*its provider `test-k3s` is replaced/);
    });

    it("a new CA or server name moves the active cluster too; a rotated admin certificate does not", () => {
        const base = { kubeconfig: kubeconfig("https://198.51.100.7:6443") };
        assert.deepEqual(kubernetesProviderDiff(base, { kubeconfig: kubeconfig("https://198.51.100.7:6443", "CA-2") }).why, ["kubeconfig"]);
        const rotated = kubernetesProviderDiff(base, { kubeconfig: kubeconfig("https://198.51.100.7:6443", "CA-1", "ADMIN-2") });
        assert.equal(rotated.replace, false, "the user entry is not part of the cluster's identity");
    });

    it("a changed clusterIdentifier replaces, whatever the kubeconfig", () => {
        const k = kubeconfig("https://198.51.100.7:6443");
        const v = kubernetesProviderDiff({ clusterIdentifier: "a", kubeconfig: k }, { clusterIdentifier: "b", kubeconfig: k });
        assert.deepEqual([v.replace, v.why], [true, ["clusterIdentifier"]]);
    });

    it("adding clusterIdentifier replaces nothing by itself, but does not yet protect a kubeconfig change made in the same update", () => {
        const old = kubeconfig("https://198.51.100.7:6443");
        assert.equal(kubernetesProviderDiff({ kubeconfig: old }, { ...ID, kubeconfig: old }).replace, false);
        const both = kubernetesProviderDiff({ kubeconfig: old }, { ...ID, kubeconfig: kubeconfig("https://203.0.113.9:6443") });
        assert.equal(both.replace, true);
        assert.match(both.reasons[0], /only being added/);
    });

    it("a kubeconfig unknown until apply replaces without an unchanged identifier, not with one", () => {
        const old = kubeconfig("https://198.51.100.7:6443");
        assert.deepEqual(kubernetesProviderDiff({ kubeconfig: old }, { kubeconfig: "<unknown>" }).why, ["kubeconfig"]);
        assert.equal(kubernetesProviderDiff({ ...ID, kubeconfig: old }, { ...ID, kubeconfig: "<unknown>" }).replace, false);
    });

    it("finds the active cluster through current-context, or the provider's context/cluster inputs", () => {
        const doc = {
            clusters: [
                { name: "a", cluster: { server: "https://192.0.2.1" } },
                { name: "b", cluster: { server: "https://192.0.2.2", "insecure-skip-tls-verify": false } },
            ],
            contexts: [
                { name: "a", context: { cluster: "a" } },
                { name: "b", context: { cluster: "b" } },
            ],
            "current-context": "b",
        };
        assert.deepEqual(activeCluster({ kubeconfig: JSON.stringify(doc) }), { server: "https://192.0.2.2" });
        assert.deepEqual(activeCluster({ kubeconfig: JSON.stringify(doc), context: "a" }), { server: "https://192.0.2.1" });
        assert.deepEqual(activeCluster({ kubeconfig: JSON.stringify(doc), cluster: "a" }), { server: "https://192.0.2.1" });
        assert.equal(activeCluster({ kubeconfig: "kubeconfig.yaml" }), undefined);
    });
});

describe("delivery: a new API floating IP through the real program", function () {
    this.timeout(120_000);
    let base: SynthResult;
    let head: SynthResult;
    before(async () => {
        // A new external network gives the API a new floating IP, so infra's kubeconfig names another server.
        const infraHead = await synth("dev-infra", { "data-platform:externalNetwork": "test-external-2" });
        base = await synth("dev-cluster");
        head = await synthesize({
            stack: "dev-cluster",
            stacksDir: FIXTURE_STACKS,
            project: PROJECT,
            references: { "dev-infra": infraHead.outputs },
            program: synthProgram,
        });
    });
    const provider = (r: SynthResult) => ofType(r, PROVIDER)[0];

    it("the kubeconfig names another server; the cluster layer's provider has the environment's identifier", () => {
        assert.notEqual(JSON.stringify(provider(base).inputs.kubeconfig), JSON.stringify(provider(head).inputs.kubeconfig));
        assert.deepEqual(activeCluster(provider(head).inputs) && Object.keys(activeCluster(provider(head).inputs)!).sort(), [
            "certificate-authority-data",
            "server",
            "tls-server-name",
        ]);
        assert.equal(provider(head).inputs.clusterIdentifier, kubernetesClusterIdentifier("dev"));
    });

    it("with the identifier: the provider is updated, nothing is replaced (other updates follow the new address itself)", () => {
        const diff = diffSynth(base, head);
        assert.deepEqual(names(diff, "replace"), []);
        const change = diff.changes.find((c) => c.type === PROVIDER);
        assert.equal(change?.kind, "update");
        assert.match(change?.notes?.join() ?? "", /`clusterIdentifier` is unchanged/);
    });

    it("the old program, without the identifier: the provider and every object it manages are replaced, each named", () => {
        const strip = (r: SynthResult): SynthResult => ({
            ...r,
            resources: r.resources.map((x) => (x.type === PROVIDER ? { ...x, inputs: { ...x.inputs, clusterIdentifier: undefined } } : x)),
        });
        const diff = diffSynth(strip(base), strip(head));
        const managed = head.resources
            .filter((r) => r.custom && r.provider === provider(head).urn)
            .map((r) => r.name)
            .sort();
        assert.ok(managed.length >= 10, `only ${managed.length} objects use the provider`);
        assert.deepEqual(diff.changes.find((c) => c.type === PROVIDER)?.dependents, managed);
        assert.deepEqual(names(diff, "replace"), [...managed, provider(head).name].sort());
        assert.match(renderStackDiff(diff), new RegExp(`blast radius: replaces all ${managed.length} resources it manages`));
    });
});
