import * as assert from "node:assert/strict";
import { appsNetworkPolicies, endpointPort, kafkaEndpoint } from "../../apps/networkPolicies";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import type { SynthResult } from "../../delivery/synth/synth";
import { Endpoint, inCidr, mayConnect, selects } from "../support/netpol";
import { ofType, synth } from "../support/synth";
import { synthApps } from "./support";

const pod = (namespace: string, labels: Record<string, string>): Endpoint => ({ namespace, labels });
const af = (component: string) => pod("airflow", { tier: "airflow", component, release: "airflow" });
const P = {
    ingress: pod("ingress-nginx", { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" }),
    prometheus: pod("monitoring", { "app.kubernetes.io/name": "prometheus", prometheus: "kube-prometheus-stack-prometheus" }),
    grafana: pod("monitoring", { "app.kubernetes.io/name": "grafana" }),
    dns: pod("kube-system", { "k8s-app": "kube-dns" }),
    stranger: pod("default", { app: "debug" }),
    frontend: pod("microservices", { "app.kubernetes.io/name": "todo-frontend", "app.kubernetes.io/part-of": "todo" }),
    backend: pod("microservices", { "app.kubernetes.io/name": "todo-backend", "app.kubernetes.io/part-of": "todo" }),
    todoDb: pod("microservices", {
        "app.kubernetes.io/name": "todo-postgresql",
        "app.kubernetes.io/component": "database",
        "app.kubernetes.io/part-of": "todo",
    }),
    todoBackup: pod("microservices", {
        "app.kubernetes.io/name": "todo-postgresql",
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": "todo",
    }),
    producer: pod("stream", { "app.kubernetes.io/name": "sensor-producer" }),
    processor: pod("stream", { "app.kubernetes.io/name": "sensor-processor" }),
    broker: pod("kafka", { "strimzi.io/cluster": "platform", "strimzi.io/kind": "Kafka", "strimzi.io/broker-role": "true" }),
    scheduler: af("scheduler"),
    apiServer: af("api-server"),
    dagProcessor: af("dag-processor"),
    triggerer: af("triggerer"),
    task: af("worker"),
    pgbouncer: af("pgbouncer"),
    statsd: af("statsd"),
    cleanup: af("airflow-cleanup-pods"),
    airflowDb: pod("airflow", {
        "app.kubernetes.io/name": "airflow-postgresql",
        "app.kubernetes.io/component": "database",
        "app.kubernetes.io/part-of": "airflow",
    }),
    airflowBackup: pod("airflow", {
        "app.kubernetes.io/name": "airflow-postgresql",
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": "airflow",
    }),
    github: { ip: "140.82.112.3" } as Endpoint,
    objectStore: { ip: "203.0.113.50" } as Endpoint,
    metadata: { ip: "169.254.169.254" } as Endpoint,
    privateHost: { ip: "10.0.7.9" } as Endpoint,
};

type Row = [
    from: keyof typeof P | Endpoint,
    to: keyof typeof P | Endpoint,
    port: number,
    protocol: "TCP" | "UDP",
    allowed: boolean,
    why: string,
];

describe("NetworkPolicies: who may talk to whom (evaluated, dev synth)", () => {
    let dev: SynthResult;
    let policies: Record<string, any>[];
    let apiServer: Endpoint;
    before(async () => {
        dev = await synthApps("dev");
        policies = ofType(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(
            (r) => revealPlaceholders(r.inputs) as Record<string, any>,
        );
        const infra = await synth("dev-infra");
        const server = (infra.outputs.nodes as { role: string; address: string }[]).find((n) => n.role === "server")!;
        apiServer = { ip: server.address };
    });

    it("every apps namespace starts from default-deny (ingress and egress) plus DNS", () => {
        for (const ns of ["airflow", "microservices", "stream"]) {
            const deny = policies.find((p) => p.metadata.namespace === ns && p.metadata.name === "default-deny");
            assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] }, ns);
            // No hostNetwork pods in these namespaces (Pod Security baseline): the metadata guard sees every pod.
            const namespace = ofType(dev, "kubernetes:core/v1:Namespace").find((r) => (r.inputs.metadata as any).name === ns)!;
            assert.equal((namespace.inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"], "baseline", ns);
        }
    });

    const table: Row[] = [
        // Todo: ingress → frontend / backend → PostgreSQL
        ["ingress", "frontend", 8080, "TCP", true, "the SPA is served through the ingress"],
        ["ingress", "backend", 3001, "TCP", true, "/api goes from the ingress straight to the backend"],
        ["backend", "todoDb", 5432, "TCP", true, "backend → its database"],
        ["frontend", "backend", 3001, "TCP", false, "static nginx never calls the backend"],
        ["frontend", "todoDb", 5432, "TCP", false, "only the backend reaches the database"],
        ["ingress", "todoDb", 5432, "TCP", false, "the ingress never reaches a database"],
        ["stranger", "backend", 3001, "TCP", false, "other namespaces are kept out"],
        ["prometheus", "backend", 3001, "TCP", true, "metrics scrape"],
        ["grafana", "backend", 3001, "TCP", false, "only Prometheus scrapes"],
        ["backend", "github", 443, "TCP", false, "no internet for the backend"],
        ["todoBackup", "todoDb", 5432, "TCP", true, "dump job → database"],
        ["todoBackup", "objectStore", 443, "TCP", true, "dump job → object store"],
        ["airflowBackup", { ip: "10.0.0.200" }, 443, "TCP", true, "the object store may sit on a private network"],
        ["airflowBackup", { ip: "10.42.3.3" }, 443, "TCP", false, "but not on the pod network"],
        ["todoBackup", "metadata", 80, "TCP", false, "never the metadata service"],
        // stream → Kafka
        ["producer", "broker", 9092, "TCP", true, "producer → bootstrap and brokers"],
        ["processor", "broker", 9092, "TCP", true, "processor → bootstrap and brokers"],
        ["producer", "airflowDb", 5432, "TCP", false, "stream pods reach Kafka only"],
        ["prometheus", "processor", 8080, "TCP", true, "metrics scrape"],
        ["stranger", "processor", 8080, "TCP", false, "health port only for Prometheus (kubelet probes come from the node)"],
        ["backend", "broker", 9092, "TCP", false, "the Todo backend has no Kafka client"],
        // Airflow
        ["ingress", "apiServer", 8080, "TCP", true, "UI/API through the ingress"],
        ["task", "apiServer", 8080, "TCP", true, "task pods use the Execution API"],
        ["scheduler", "pgbouncer", 6543, "TCP", true, "components → PgBouncer"],
        ["task", "pgbouncer", 6543, "TCP", true, "task pods → PgBouncer"],
        ["pgbouncer", "airflowDb", 5432, "TCP", true, "PgBouncer → PostgreSQL"],
        ["scheduler", "airflowDb", 5432, "TCP", false, "PostgreSQL only behind PgBouncer"],
        ["task", "airflowDb", 5432, "TCP", false, "PostgreSQL only behind PgBouncer"],
        ["airflowBackup", "airflowDb", 5432, "TCP", true, "dump job → database"],
        ["task", "statsd", 9125, "UDP", true, "metrics to statsd"],
        ["prometheus", "statsd", 9102, "TCP", true, "statsd exporter scrape"],
        ["prometheus", "pgbouncer", 9127, "TCP", true, "PgBouncer exporter scrape"],
        ["apiServer", "triggerer", 8794, "TCP", true, "api-server reads triggerer logs"],
        ["apiServer", "task", 8793, "TCP", true, "api-server reads running task logs"],
        ["dagProcessor", "github", 443, "TCP", true, "git-sync over https"],
        ["dagProcessor", "github", 22, "TCP", true, "git-sync over ssh"],
        ["dagProcessor", "github", 80, "TCP", false, "only 443/22 outside"],
        ["task", "github", 443, "TCP", false, "task pods run no git-sync (they mount the DAG claim)"],
        ["task", "github", 22, "TCP", false, "task pods run no git-sync"],
        ["triggerer", "github", 443, "TCP", false, "only the dag-processor runs git-sync"],
        ["scheduler", "github", 443, "TCP", false, "only the dag-processor runs git-sync"],
        ["apiServer", "github", 443, "TCP", false, "only the dag-processor runs git-sync"],
        ["dagProcessor", "privateHost", 443, "TCP", false, "private ranges are not 'the internet'"],
        ["task", "metadata", 80, "TCP", false, "task pods never reach the metadata service"],
        ["task", "broker", 9092, "TCP", false, "the shipped DAGs use no Kafka"],
        ["stranger", "pgbouncer", 6543, "TCP", false, "other namespaces are kept out"],
        [
            "ingress",
            pod("microservices", { "acme.cert-manager.io/http01-solver": "true" }),
            8089,
            "TCP",
            true,
            "ACME HTTP-01 challenge via the ingress",
        ],
        [
            "ingress",
            pod("airflow", { "acme.cert-manager.io/http01-solver": "true" }),
            8089,
            "TCP",
            true,
            "ACME HTTP-01 challenge via the ingress",
        ],
        [
            "stranger",
            pod("airflow", { "acme.cert-manager.io/http01-solver": "true" }),
            8089,
            "TCP",
            false,
            "only the ingress reaches a solver",
        ],
    ];

    it("matches the table", () => {
        const resolve = (e: keyof typeof P | Endpoint) => (typeof e === "string" ? P[e] : e);
        const wrong = table.filter(([f, t, port, proto, allowed]) => mayConnect(policies, resolve(f), resolve(t), port, proto) !== allowed);
        assert.deepEqual(
            wrong.map(
                ([f, t, port, proto, allowed, why]) =>
                    `${String(f)} → ${String(t)}:${port}/${proto} expected ${allowed ? "allowed" : "denied"} (${why})`,
            ),
            [],
        );
    });

    it("the Kubernetes API only for the scheduler, the api-server and the cleanup job", () => {
        assert.equal(mayConnect(policies, P.scheduler, apiServer, 6443), true);
        assert.equal(mayConnect(policies, P.cleanup, apiServer, 6443), true);
        assert.equal(mayConnect(policies, P.task, apiServer, 6443), false);
        assert.equal(mayConnect(policies, P.backend, apiServer, 6443), false);
    });

    it("every pod resolves names through kube-dns, and nothing else in kube-system", () => {
        for (const from of [P.frontend, P.backend, P.producer, P.task, P.pgbouncer, P.todoBackup]) {
            assert.equal(mayConnect(policies, from, P.dns, 53, "UDP"), true);
            assert.equal(mayConnect(policies, from, P.dns, 53, "TCP"), true);
            assert.equal(mayConnect(policies, from, pod("kube-system", { app: "metrics-server" }), 443), false);
        }
    });

    it("the evaluator follows NetworkPolicy semantics (not a rubber stamp)", () => {
        assert.equal(mayConnect([], P.stranger, P.backend, 1), true, "no policy: everything allowed");
        assert.equal(selects({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["x"] }] }, { a: "y" }), true);
        assert.equal(selects({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "y" }), false);
        assert.equal(inCidr("169.254.169.254", "169.254.0.0/16"), true);
        assert.equal(inCidr("10.42.1.1", "10.43.0.0/16"), false);
        const ingressOnly = [
            {
                metadata: { namespace: "microservices" },
                spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: "http" }] }] },
            },
        ];
        assert.equal(mayConnect(ingressOnly, P.stranger, { ...P.backend, ports: { http: 3001 } }, 3001), true, "named port");
        assert.equal(mayConnect(ingressOnly, P.stranger, { ...P.backend, ports: { http: 3001 } }, 3002), false);
        assert.equal(mayConnect(ingressOnly, P.backend, P.github, 443), true, "egress not isolated by an ingress-only policy");
    });

    it("derives Kafka and object-store ports from the lower stacks' values", () => {
        assert.deepEqual(kafkaEndpoint("platform-kafka-bootstrap.kafka.svc:9092"), {
            clusterName: "platform",
            namespace: "kafka",
            port: 9092,
        });
        assert.throws(() => kafkaEndpoint("kafka:9092"), /not a Strimzi bootstrap address/);
        assert.equal(endpointPort("https://object.example.org"), 443);
        assert.equal(endpointPort("http://minio.example.org:9000"), 9000);
        const none = appsNetworkPolicies({
            namespaces: { airflow: "a", todo: "t", stream: "s" },
            monitoringNamespace: "m",
            kafka: { namespace: "k", clusterName: "c", port: 1 },
            apiServers: [],
        });
        assert.equal(
            none.some((p) => (p.metadata as any).name === "backup-egress"),
            false,
            "no store, no egress to it",
        );
    });
});

describe("Strimzi's own NetworkPolicies (cluster synth)", () => {
    it("are generated, and both client listeners admit only the configured client namespaces", async () => {
        const result = await synth("dev-cluster");
        const operator = ofType(result, "kubernetes:helm.sh/v3:Release").find((r) =>
            String(r.inputs.chart).endsWith("strimzi-kafka-operator"),
        )!;
        assert.equal((operator.inputs.values as any).generateNetworkPolicy, true);
        const kafka = ofType(result, "kubernetes:kafka.strimzi.io/v1:Kafka")[0].inputs.spec as any;
        for (const listener of kafka.kafka.listeners) {
            assert.deepEqual(
                listener.networkPolicyPeers,
                [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "stream" } } }],
                listener.name,
            );
        }
    });
});
