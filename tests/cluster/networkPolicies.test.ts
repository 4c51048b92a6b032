/** The cluster layer's namespaces: Pod Security levels against the pod specs set here, default-deny and the flows each needs. */
import * as assert from "node:assert/strict";
import { POD_SECURITY } from "../../cluster/namespaces";
import { alertReceiverPorts } from "../../cluster/networkPolicies";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import type { SynthResult } from "../../delivery/synth/synth";
import { Endpoint, mayConnect } from "../support/netpol";
import { baselineViolations, restrictedViolations } from "../support/podSecurity";
import { ofType, synth } from "../support/synth";

const NAMESPACES = {
    certManager: "cert-manager",
    ingress: "ingress-nginx",
    kafka: "kafka",
    monitoring: "monitoring",
    nodeExporter: "monitoring-node-exporter",
};
const pod = (namespace: string, labels: Record<string, string>): Endpoint => ({ namespace, labels });
const cm = (component: string) =>
    pod("cert-manager", {
        "app.kubernetes.io/name": component === "controller" ? "cert-manager" : component,
        "app.kubernetes.io/component": component,
    });
const P = {
    certController: cm("controller"),
    certWebhook: cm("webhook"),
    cainjector: cm("cainjector"),
    controller: pod("ingress-nginx", { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" }),
    admissionJob: pod("ingress-nginx", { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "admission-webhook" }),
    prometheus: pod("monitoring", { "app.kubernetes.io/name": "prometheus" }),
    grafana: pod("monitoring", { "app.kubernetes.io/name": "grafana" }),
    alertmanager: pod("monitoring", { "app.kubernetes.io/name": "alertmanager" }),
    kubeStateMetrics: pod("monitoring", { "app.kubernetes.io/name": "kube-state-metrics" }),
    grafanaSolver: pod("monitoring", { "acme.cert-manager.io/http01-solver": "true" }),
    broker: pod("kafka", { "strimzi.io/cluster": "platform", "strimzi.io/kind": "Kafka" }),
    strimzi: pod("kafka", { name: "strimzi-cluster-operator", "strimzi.io/kind": "cluster-operator" }),
    entityOperator: pod("kafka", {
        "strimzi.io/cluster": "platform",
        "strimzi.io/kind": "Kafka",
        "strimzi.io/name": "platform-entity-operator",
    }),
    producer: pod("stream", { "app.kubernetes.io/name": "sensor-producer" }),
    todoBackend: pod("microservices", { "app.kubernetes.io/name": "todo-backend" }),
    stranger: pod("default", { app: "debug" }),
    dns: pod("kube-system", { "k8s-app": "kube-dns" }),
    client: { ip: "203.0.113.9" } as Endpoint,
    acme: { ip: "172.65.32.248" } as Endpoint,
    slack: { ip: "34.1.2.3" } as Endpoint,
    metadata: { ip: "169.254.169.254" } as Endpoint,
};
type Row = [from: keyof typeof P | Endpoint, to: keyof typeof P | Endpoint, port: number, allowed: boolean, why: string];

describe("cluster namespaces: Pod Security and NetworkPolicies (dev synth)", () => {
    let dev: SynthResult;
    let policies: Record<string, any>[];
    let node: Endpoint;
    let apiServer: Endpoint;
    const release = (chart: string) =>
        ofType(dev, "kubernetes:helm.sh/v3:Release").find((r) => String(r.inputs.chart).endsWith(chart))!.inputs.values as any;
    before(async () => {
        dev = await synth("dev-cluster");
        policies = ofType(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(
            (r) => revealPlaceholders(r.inputs) as Record<string, any>,
        );
        const api = policies.find((p) => p.metadata.namespace === "cert-manager" && p.metadata.name === "kubernetes-api")!;
        apiServer = { ip: api.spec.egress[0].to[0].ipBlock.cidr.replace("/32", "") };
        const scrape = policies.find((p) => p.metadata.name === "prometheus-scrapes")!;
        node = { ip: scrape.spec.egress[1].to[0].ipBlock.cidr.replace("/32", "") };
    });

    it("labels every namespace of the layer with its Pod Security level and starts it from default-deny plus DNS", () => {
        const namespaces = ofType(dev, "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata as any);
        for (const [key, name] of Object.entries(NAMESPACES) as [keyof typeof NAMESPACES, string][]) {
            const labels = namespaces.find((m) => m.name === name)?.labels ?? {};
            assert.equal(labels["pod-security.kubernetes.io/enforce"], POD_SECURITY[key].level, name);
            if (POD_SECURITY[key].level !== "restricted") assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted", name);
            const deny = policies.find((p) => p.metadata.namespace === name && p.metadata.name === "default-deny");
            assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] }, name);
            assert.equal(mayConnect(policies, pod(name, { any: "pod" }), P.dns, 53, "UDP"), true, `${name}: DNS`);
        }
        assert.deepEqual([POD_SECURITY.certManager.level, POD_SECURITY.kafka.level], ["restricted", "restricted"]);
    });

    it("restricted namespaces: every pod spec this layer sets passes restricted", () => {
        const certManager = release("cert-manager");
        for (const part of [certManager, certManager.webhook, certManager.cainjector, certManager.startupapicheck]) {
            assert.deepEqual(
                restrictedViolations({
                    securityContext: part.securityContext,
                    containers: [{ name: "c", securityContext: part.containerSecurityContext }],
                }),
                [],
            );
        }
        const strimzi = release("strimzi-kafka-operator");
        assert.deepEqual(
            restrictedViolations({
                securityContext: strimzi.podSecurityContext,
                containers: [{ name: "operator", securityContext: strimzi.securityContext }],
            }),
            [],
        );
        // The operator shapes broker, init and entity-operator pods with its restricted provider.
        assert.deepEqual(strimzi.extraEnvs, [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }]);
    });

    it("node-exporter, the only host-namespace pod of monitoring, sits alone in a privileged namespace", () => {
        const values = release("kube-prometheus-stack");
        assert.equal(values["prometheus-node-exporter"].namespaceOverride, NAMESPACES.nodeExporter);
        // What node-exporter's DaemonSet is (chart prometheus-node-exporter): refused by baseline.
        const nodeExporter = {
            hostNetwork: true,
            hostPID: true,
            volumes: [{ name: "root", hostPath: { path: "/" } }],
            containers: [{ name: "node-exporter" }],
        };
        assert.notDeepEqual(baselineViolations(nodeExporter), []);
        // The checker is not a rubber stamp: a pod with an `nfs` volume run as root fails restricted, passes baseline.
        const nfs = { volumes: [{ name: "export", nfs: { server: "10.0.0.1", path: "/srv" } }], containers: [{ name: "writer" }] };
        assert.deepEqual(baselineViolations(nfs), []);
        assert.ok(restrictedViolations(nfs).includes("nfs volume export"));
    });

    const table: Row[] = [
        ["certController", "acme", 443, true, "ACME directory"],
        ["certController", "client", 80, true, "HTTP-01 self-check against the ingress address"],
        ["certController", "metadata", 80, false, "never the metadata service"],
        ["cainjector", "acme", 443, false, "only the controller reaches outside"],
        ["stranger", "certWebhook", 10250, true, "the webhook admits the API server from any node address (TLS-authenticated)"],
        ["stranger", "certController", 9402, false, "metrics only for Prometheus"],
        ["prometheus", "certController", 9402, true, "cert-manager metrics"],
        ["client", "controller", 443, true, "the internet reaches the ingress controller"],
        ["client", "controller", 10254, false, "but not its metrics port"],
        ["prometheus", "controller", 10254, true, "ingress metrics"],
        ["controller", "grafana", 3000, true, "Grafana through the ingress"],
        ["controller", "todoBackend", 3001, true, "backends in any namespace (their own policies decide)"],
        ["controller", "acme", 443, false, "the controller opens nothing outside"],
        ["admissionJob", "grafana", 3000, false, "only the controller reaches backends"],
        ["stranger", "grafana", 3000, false, "Grafana only through the ingress (no NodePort in dev)"],
        ["controller", "grafanaSolver", 8089, true, "ACME HTTP-01 for Grafana's host"],
        ["grafana", "prometheus", 9090, true, "Grafana's data source"],
        ["prometheus", "alertmanager", 9093, true, "alerts"],
        ["grafana", "acme", 443, false, "Grafana reaches nothing outside"],
        ["prometheus", "broker", 9404, true, "Kafka metrics"],
        ["producer", "broker", 9092, true, "stream clients reach the listeners"],
        ["producer", "broker", 9091, false, "not the replication port"],
        ["todoBackend", "broker", 9092, false, "microservices is no Kafka client namespace"],
        ["strimzi", "broker", 9091, true, "operator ↔ brokers"],
        ["entityOperator", "broker", 9091, true, "entity operator ↔ brokers"],
        ["broker", "acme", 443, false, "brokers reach nothing outside"],
        ["stranger", "strimzi", 8080, false, "the operator admits only its namespace and Prometheus"],
        ["kubeStateMetrics", "metadata", 80, false, "never the metadata service"],
    ];

    it("matches the table", () => {
        const resolve = (e: keyof typeof P | Endpoint) => (typeof e === "string" ? P[e] : e);
        const wrong = table.filter(([f, t, port, allowed]) => mayConnect(policies, resolve(f), resolve(t), port) !== allowed);
        assert.deepEqual(
            wrong.map(
                ([f, t, port, allowed, why]) => `${String(f)} → ${String(t)}:${port} expected ${allowed ? "allowed" : "denied"} (${why})`,
            ),
            [],
        );
    });

    it("the Kubernetes API for operators and controllers; node ports only for Prometheus", () => {
        for (const from of [P.certController, P.cainjector, P.admissionJob, P.controller, P.strimzi, P.kubeStateMetrics, P.grafana]) {
            assert.equal(mayConnect(policies, from, apiServer, 6443), true, JSON.stringify(from.labels));
        }
        assert.equal(mayConnect(policies, P.stranger, apiServer, 6443), true, "unmanaged namespaces are not isolated");
        for (const port of [10250, 9100, 10249, 2381]) assert.equal(mayConnect(policies, P.prometheus, node, port), true, `scrape ${port}`);
        assert.equal(mayConnect(policies, P.prometheus, node, 22), false);
        assert.equal(mayConnect(policies, P.grafana, node, 9100), false);
    });

    it("Alertmanager reaches its receivers' ports only when receivers are configured", async () => {
        assert.equal(
            policies.some((p) => p.metadata.name === "alertmanager-receivers"),
            false,
            "dev: no receivers",
        );
        assert.equal(mayConnect(policies, P.alertmanager, P.slack, 443), false);
        assert.deepEqual(
            alertReceiverPorts({
                email: { smarthost: "smtp.example.org:587" } as any,
                slack: { url: "https://hooks.slack.com/x" },
                webhook: { url: "http://bridge.example.org:8080/" },
            }),
            [587, 443, 8080],
        );
        assert.deepEqual(alertReceiverPorts({ webhook: { url: "synth-placeholder-abc" } }), [443]);
    });
});
