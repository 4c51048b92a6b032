import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { appMonitoringObjects } from "../../apps/monitoring/appMonitoring";
import { NAMESPACES } from "../../apps";
import { alertmanagerConfigSpec, NULL_RECEIVER, NOTIFY_RECEIVER } from "../../cluster/values/alerting";
import { monitoringValues } from "../../cluster/values/monitoring";
import { parseClusterConfig } from "../../cluster/config";
import { isAlert, prometheusRule, RUNBOOK_DOC } from "../../lib/monitoring/rules";
import { allRuleGroups } from "./expressions";

const FIXTURES = path.join(__dirname, "..", "fixtures", "kube-prometheus-stack");
// The CRDs carry Go (RE2) patterns; `(?i)` is RE2's inline case-insensitive flag.
const goRegExp = (pattern: string, flags: string) =>
    pattern.includes("(?i)") ? new RegExp(pattern.split("(?i)").join(""), `${flags}i`) : new RegExp(pattern, flags);
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp as never } });
function validator(file: string, version: string) {
    const crd = parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));
    const v = crd.spec.versions.find((x: { name: string }) => x.name === version);
    return {
        kind: crd.spec.names.kind as string,
        apiVersion: `${crd.spec.group}/${version}`,
        validate: ajv.compile(v.schema.openAPIV3Schema),
    };
}
const CRDS = [
    validator("crd-prometheusrules.yaml", "v1"),
    validator("crd-servicemonitors.yaml", "v1"),
    validator("crd-alertmanagerconfigs.yaml", "v1alpha1"),
];
function check(obj: Record<string, unknown>): void {
    const v = CRDS.find((c) => c.kind === obj.kind);
    assert.ok(v, `no CRD for ${String(obj.kind)}`);
    assert.equal(obj.apiVersion, v.apiVersion);
    assert.ok(
        v.validate(obj),
        `${String(obj.kind)} ${JSON.stringify((obj.metadata as { name: string }).name)}: ${JSON.stringify(v.validate.errors)}`,
    );
}
const lookup = (values: Record<string, string>) => (key: string) => values[key];
const BASE = { environment: "dev" };

describe("monitoring: objects against the CRDs of kube-prometheus-stack 88.5.3", () => {
    it("every PrometheusRule and ServiceMonitor of both layers is valid", () => {
        const apps = Object.values(appMonitoringObjects(NAMESPACES, "monitoring")).filter((o) => o.kind !== "ConfigMap");
        assert.equal(apps.length, 6);
        for (const o of apps) check(o);
        check(prometheusRule("platform", "monitoring", allRuleGroups()));
    });

    it("Alertmanager routing is valid with no receiver, and with e-mail, Slack and a webhook", () => {
        const none = parseClusterConfig(lookup(BASE), "data-platform", "t").alerting;
        const all = parseClusterConfig(
            lookup({
                ...BASE,
                alertEmailTo: "oncall@example.org, ops@example.org",
                alertEmailFrom: "am@example.org",
                alertSmtpSmarthost: "smtp.example.org:587",
                alertSmtpUsername: "am",
                alertSmtpPassword: "pw",
                alertSlackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
                alertSlackChannel: "#alerts",
                alertWebhookUrl: "https://matrix-bridge.example.org/alerts",
            }),
            "data-platform",
            "t",
            "data-platform",
            () => true,
        ).alerting;
        for (const a of [none, all])
            check({
                apiVersion: "monitoring.coreos.com/v1alpha1",
                kind: "AlertmanagerConfig",
                metadata: { name: "platform-routing" },
                spec: alertmanagerConfigSpec(a),
            });
        const spec = alertmanagerConfigSpec(all) as any;
        assert.equal(spec.route.receiver, NOTIFY_RECEIVER);
        assert.equal(spec.receivers[1].emailConfigs.length, 2);
        // Credentials are references into the Secret, never values.
        assert.deepEqual(spec.receivers[1].slackConfigs[0].apiURL, { name: "alertmanager-receivers", key: "slack-webhook-url" });
        assert.ok(
            !JSON.stringify(spec).includes("hooks.slack.com") &&
                !JSON.stringify(spec).includes("matrix-bridge") &&
                !JSON.stringify(spec).includes('"pw"'),
        );
        assert.equal((alertmanagerConfigSpec(none) as any).route.receiver, NULL_RECEIVER);
    });

    it("the schema catches a broken rule", () => {
        const v = CRDS[0];
        assert.equal(
            v.validate({
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: {},
                spec: { groups: [{ rules: [{ alert: "X", expr: "up" }] }] },
            }),
            false,
        );
    });

    it("every alert has a severity, a for:, runbook text and a runbook section in docs", () => {
        const doc = fs.readFileSync(path.join(__dirname, "..", "..", RUNBOOK_DOC), "utf8");
        const alerts = allRuleGroups().flatMap((g) => g.rules.filter(isAlert));
        assert.ok(alerts.length >= 25, `${alerts.length} alerts`);
        for (const a of alerts) {
            assert.match(a.for, /^\d+[smh]$/);
            assert.ok(a.runbook.length > 20 && a.summary.length > 10, a.alert);
            assert.match(doc, new RegExp(`^#### ${a.alert}$`, "m"), `${RUNBOOK_DOC} has no runbook section for ${a.alert}`);
        }
    });

    it("the cluster's Prometheus selects monitors and rules of every namespace, whatever their labels", () => {
        const values = monitoringValues({
            monitoring: parseClusterConfig(lookup(BASE), "data-platform", "t").monitoring,
            storageClass: "x",
            grafanaAdminSecret: "g",
            nodeExporterNamespace: "n",
            grafanaAllowedCidrs: ["192.0.2.0/24"],
            ingressAddress: "10.0.0.1",
            serverAddresses: ["10.0.0.2"],
            nodeAddresses: ["10.0.0.2"],
        }) as any;
        const spec = values.prometheus.prometheusSpec;
        // NilUsesHelmValues=false with no selector: the operator selects all objects; no namespace selector = all namespaces.
        for (const kind of ["serviceMonitor", "podMonitor", "rule"]) {
            assert.equal(spec[`${kind}SelectorNilUsesHelmValues`], false, kind);
            assert.equal(spec[`${kind}Selector`], undefined, kind);
            assert.equal(spec[`${kind}NamespaceSelector`], undefined, kind);
        }
        assert.deepEqual(values.alertmanager.alertmanagerSpec.alertmanagerConfiguration, { name: "platform-routing" });
    });
});
