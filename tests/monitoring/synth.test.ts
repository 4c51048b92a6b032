import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { synthStack } from "../../delivery/synth/stacks";
import { FIXTURE_STACKS } from "../support/stacks";
import { containsSecret } from "../../delivery/synth/normalize";
import { byName, synth } from "../support/synth";
import { tempDir } from "../support/tempDir";

describe("monitoring in the synthesized stacks", function () {
    this.timeout(120_000);

    it("dev-cluster: null route, platform rules, after the monitoring release (its CRDs)", async () => {
        const r = await synth("dev-cluster");
        const routing = byName(r, "dev-alerting-routing");
        assert.equal((routing.inputs.spec as any).route.receiver, "null");
        assert.deepEqual(r.outputs.alertReceivers, []);
        const rules = byName(r, "dev-alerting-rules").inputs.spec as any;
        assert.deepEqual(
            rules.groups.map((g: { name: string }) => g.name),
            ["kafka.alerts", "etcd-snapshots.alerts", "certificates.alerts", "backups.alerts"],
        );
        assert.ok(routing.options.dependsOn.some((u: string) => u.includes("kube-prometheus-stack")));
    });

    it("refuses a receiver credential set without --secret (the SDK's secret keys decide)", async () => {
        await assert.rejects(
            synth("dev-cluster", { "data-platform:alertWebhookUrl": "https://bridge.example.org/hook" }),
            /alertWebhookUrl .*set it with `pulumi config set --secret alertWebhookUrl/,
        );
    });

    it("receivers set with --secret: credentials only in a secret Secret, the routing references them", async () => {
        const dir = tempDir("stacks");
        try {
            for (const f of ["Pulumi.dev-infra.yaml"]) fs.copyFileSync(path.join(FIXTURE_STACKS, f), path.join(dir, f));
            const cluster = parse(fs.readFileSync(path.join(FIXTURE_STACKS, "Pulumi.dev-cluster.yaml"), "utf8"));
            Object.assign(cluster.config, {
                "data-platform:alertEmailTo": "oncall@example.org",
                "data-platform:alertEmailFrom": "alertmanager@example.org",
                "data-platform:alertSmtpSmarthost": "smtp.example.org:587",
                "data-platform:alertSmtpUsername": "alertmanager",
                "data-platform:alertSmtpPassword": { secure: "AAABAHRlc3Q=" },
                "data-platform:alertSlackWebhookUrl": { secure: "AAABAHRlc3Q=" },
            });
            fs.writeFileSync(path.join(dir, "Pulumi.dev-cluster.yaml"), stringify(cluster));
            const r = await synthStack("dev-cluster", { stacksDir: dir });
            assert.deepEqual(r.outputs.alertReceivers, ["email", "slack"]);
            const secret = byName(r, "dev-alerting-receivers");
            assert.ok(containsSecret(secret.inputs.stringData), "receiver Secret data is secret");
            const spec = byName(r, "dev-alerting-routing").inputs.spec as any;
            assert.ok(!JSON.stringify(spec).includes("synth-placeholder"), "no credential in the AlertmanagerConfig");
            const oncall = spec.receivers.find((x: { name: string }) => x.name === "platform-oncall");
            assert.deepEqual(oncall.emailConfigs[0].authPassword, { name: "alertmanager-receivers", key: "smtp-password" });
            assert.deepEqual(oncall.slackConfigs[0].apiURL, { name: "alertmanager-receivers", key: "slack-webhook-url" });
            assert.equal(spec.route.receiver, "platform-oncall");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("dev-apps: ServiceMonitors for the Todo backend and both stream services, rules and dashboards in Grafana's namespace", async () => {
        const { synthApps } = await import("../apps/support");
        const r = await synthApps("dev");
        const monitors = r.resources
            .filter((x) => x.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
            .map((x) => `${(x.inputs.metadata as any).namespace}/${(x.inputs.metadata as any).name}`)
            .sort();
        assert.deepEqual(monitors, [
            "airflow/airflow-statsd",
            "microservices/todo-backend",
            "stream/sensor-processor",
            "stream/sensor-producer",
        ]);
        const dashboards = r.resources.filter(
            (x) => x.type === "kubernetes:core/v1:ConfigMap" && (x.inputs.metadata as any).labels?.grafana_dashboard === "1",
        );
        assert.deepEqual(
            dashboards.map((x) => (x.inputs.metadata as any).namespace),
            ["monitoring", "monitoring", "monitoring"],
        );
        for (const d of dashboards)
            for (const json of Object.values(d.inputs.data as Record<string, string>))
                assert.ok((JSON.parse(json) as { panels: unknown[] }).panels.length >= 6);
        assert.equal(r.resources.filter((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule").length, 3);
    });
});
