/** Admin UIs behind allowlists (the infra layer's adminCidrs by default) and Grafana's sidecar without cluster-wide reads. */
import * as assert from "node:assert/strict";
import { ALLOWLIST_ANNOTATION, adminAllowlist, allowlistAnnotations } from "../../lib/kube/ingressAllowlist";
import type { SynthResult } from "../../delivery/synth/synth";
import { ofType, synth } from "../support/synth";
import { synthApps } from "../apps/support";

const release = (r: SynthResult, chart: string) =>
    ofType(r, "kubernetes:helm.sh/v3:Release").find((x) => String(x.inputs.chart).endsWith(chart))!.inputs.values as any;
const todoIngress = (r: SynthResult) =>
    ofType(r, "kubernetes:networking.k8s.io/v1:Ingress").find((x) => (x.inputs.metadata as any).name === "todo")!.inputs.metadata as any;

describe("admin UIs: per-Ingress allowlists, Grafana's RBAC", () => {
    let adminCidrs: string[];
    before(async () => {
        adminCidrs = (await synth("dev-infra")).outputs.adminCidrs as string[];
        assert.ok(Array.isArray(adminCidrs) && adminCidrs.length > 0, "infra publishes adminCidrs");
    });

    it("Grafana's Ingress admits the infra layer's adminCidrs by default, or grafanaAllowedCidrs", async () => {
        const grafana = release(await synth("dev-cluster"), "kube-prometheus-stack").grafana;
        assert.equal(grafana.ingress.annotations[ALLOWLIST_ANNOTATION], adminCidrs.join(","));
        const own = release(
            await synth("dev-cluster", { "data-platform:grafanaAllowedCidrs": '["192.0.2.0/24","198.51.100.64/26"]' }),
            "kube-prometheus-stack",
        ).grafana;
        assert.equal(own.ingress.annotations[ALLOWLIST_ANNOTATION], "192.0.2.0/24,198.51.100.64/26");
    });

    it("Airflow's UI admits the adminCidrs by default; the public Todo app is open unless todoAllowedCidrs is set", async () => {
        const dev = await synthApps("dev");
        assert.equal(release(dev, "airflow").ingress.apiServer.annotations[ALLOWLIST_ANNOTATION], adminCidrs.join(","));
        assert.equal(todoIngress(dev).annotations[ALLOWLIST_ANNOTATION], undefined);
        const own = await synthApps("dev", {
            overrides: { "data-platform:airflowAllowedCidrs": '["192.0.2.0/24"]', "data-platform:todoAllowedCidrs": '["203.0.113.0/24"]' },
        });
        assert.equal(release(own, "airflow").ingress.apiServer.annotations[ALLOWLIST_ANNOTATION], "192.0.2.0/24");
        assert.equal(todoIngress(own).annotations[ALLOWLIST_ANNOTATION], "203.0.113.0/24");
    });

    it("an infra stack without adminCidrs and no configured list is refused, naming both ways out", () => {
        assert.throws(
            () => adminAllowlist("airflowAllowedCidrs", undefined, undefined, "organization/data-platform/dev-infra"),
            new RegExp(
                /airflowAllowedCidrs is unset and the infra stack "organization\/data-platform\/dev-infra"/.source +
                    / publishes no adminCidrs.*pulumi up -s dev-infra.*set airflowAllowedCidrs/.source,
            ),
        );
        assert.deepEqual(adminAllowlist("k", ["10.1.0.0/16"], ["192.0.2.0/24"], "s"), ["10.1.0.0/16"], "configured wins");
        assert.deepEqual(allowlistAnnotations(undefined), {});
    });

    it("a malformed CIDR is refused before anything is made", async () => {
        await assert.rejects(synth("dev-cluster", { "data-platform:grafanaAllowedCidrs": '["192.0.2.0/33"]' }), /grafanaAllowedCidrs/);
    });

    it("Grafana's sidecars read ConfigMaps of their own namespace through a Role, never Secrets cluster-wide", async () => {
        const grafana = release(await synth("dev-cluster"), "kube-prometheus-stack").grafana;
        assert.equal(grafana.rbac.namespaced, true);
        for (const kind of ["dashboards", "datasources"]) {
            assert.equal(grafana.sidecar[kind].resource, "configmap", kind);
            assert.equal(grafana.sidecar[kind].searchNamespace, undefined, `${kind}: own namespace only`);
        }
        // Every dashboard the platform ships lives there.
        const result = await synth("dev-cluster");
        for (const cm of ofType(result, "kubernetes:core/v1:ConfigMap").filter(
            (r) => (r.inputs.metadata as any).labels?.grafana_dashboard,
        )) {
            assert.equal((cm.inputs.metadata as any).namespace, "monitoring", cm.name);
        }
        const apps = await synthApps("dev");
        const dashboards = ofType(apps, "kubernetes:core/v1:ConfigMap").filter((r) => (r.inputs.metadata as any).labels?.grafana_dashboard);
        assert.ok(dashboards.length >= 3);
        for (const cm of dashboards) assert.equal((cm.inputs.metadata as any).namespace, "monitoring", cm.name);
    });
});
