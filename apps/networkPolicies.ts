/**
 * NetworkPolicies of the apps' namespaces: everything denied, then exactly the conversations the
 * platform needs (tests/apps/networkPolicies.test.ts evaluates them as a who-may-talk-to-whom
 * table). k3s enforces them with its embedded kube-router policy controller, after Service
 * DNAT, so rules name pods and node addresses, not Service IPs. Pure.
 */
import {
    denyAllBase,
    kubeApi as kubeApiTo,
    labels,
    ns,
    type Obj,
    PEERS,
    podSecurityLabels,
    policy,
    tcp,
    udp,
} from "../lib/kube/networkPolicy";

export { endpointPort, type Obj } from "../lib/kube/networkPolicy";

export interface NetworkPolicyContext {
    readonly namespaces: { readonly airflow: string; readonly todo: string; readonly stream: string };
    readonly monitoringNamespace: string;
    /** Kafka broker pods (Strimzi) and the plain listener port. */
    readonly kafka: { readonly namespace: string; readonly clusterName: string; readonly port: number };
    /** k3s server addresses: the Kubernetes API (6443) after the `kubernetes` Service's DNAT. */
    readonly apiServers: readonly string[];
    /** Port of the backup object store's S3 API (443 for https). */
    readonly objectStorePort?: number;
}

/**
 * Pod Security admission for the apps' namespaces: `baseline` refuses hostNetwork, hostPID,
 * hostPath, privileged containers and added capabilities, so no app pod can sit in the node's
 * network namespace (where the metadata guard cannot tell it from the node). `restricted` is
 * reported as a warning to show what is left to harden.
 */
export const POD_SECURITY_LABELS = podSecurityLabels("baseline");

/** Deny all in and out, allow DNS and cert-manager's solvers for the namespace's Ingresses. */
const baseline = (namespace: string) => denyAllBase(namespace, { acmeSolver: true });

/** Dump Jobs (component=backup) reach their database and the object store. */
function backupEgress(namespace: string, database: Record<string, string>, ctx: NetworkPolicyContext): Obj[] {
    if (ctx.objectStorePort === undefined) return [];
    return [
        policy(namespace, "backup-egress", labels({ "app.kubernetes.io/component": "backup" }), {
            egress: [
                { to: [{ podSelector: labels(database) }], ports: tcp(5432) },
                { to: [PEERS.anyOutsideCluster], ports: tcp(ctx.objectStorePort) },
            ],
        }),
    ];
}

const kubeApi = (ctx: NetworkPolicyContext) => kubeApiTo(ctx.apiServers);

function todoPolicies(ctx: NetworkPolicyContext): Obj[] {
    const n = ctx.namespaces.todo;
    const db = { "app.kubernetes.io/name": "todo-postgresql", "app.kubernetes.io/component": "database" };
    const backend = { "app.kubernetes.io/name": "todo-backend" };
    return [
        ...baseline(n),
        // The browser loads the SPA from the frontend and calls /api, which the ingress routes to
        // the backend directly: the frontend (static nginx) never talks to the backend.
        policy(n, "frontend-from-ingress", labels({ "app.kubernetes.io/name": "todo-frontend" }), {
            ingress: [{ from: [PEERS.ingressController], ports: tcp(8080) }],
        }),
        policy(n, "backend-from-ingress-and-prometheus", labels(backend), {
            ingress: [{ from: [PEERS.ingressController, PEERS.prometheus(ctx.monitoringNamespace)], ports: tcp(3001) }],
        }),
        policy(n, "backend-to-database", labels(backend), { egress: [{ to: [{ podSelector: labels(db) }], ports: tcp(5432) }] }),
        policy(n, "database-from-backend-and-backup", labels(db), {
            ingress: [
                {
                    from: [{ podSelector: labels(backend) }, { podSelector: labels({ "app.kubernetes.io/component": "backup" }) }],
                    ports: tcp(5432),
                },
            ],
        }),
        ...backupEgress(n, db, ctx),
    ];
}

function streamPolicies(ctx: NetworkPolicyContext): Obj[] {
    const n = ctx.namespaces.stream;
    const clients = {
        matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["sensor-producer", "sensor-processor"] }],
    };
    const brokers = {
        namespaceSelector: ns(ctx.kafka.namespace),
        podSelector: labels({ "strimzi.io/cluster": ctx.kafka.clusterName, "strimzi.io/kind": "Kafka" }),
    };
    return [
        ...baseline(n),
        // The bootstrap Service resolves to broker pods; after bootstrap, clients talk to each broker.
        policy(n, "clients-to-kafka", clients, { egress: [{ to: [brokers], ports: tcp(ctx.kafka.port) }] }),
        policy(n, "metrics-from-prometheus", clients, {
            ingress: [{ from: [PEERS.prometheus(ctx.monitoringNamespace)], ports: tcp(8080) }],
        }),
    ];
}

/** Airflow chart pods carry `tier: airflow` and `component: <name>`; task pods are `component: worker`. */
function airflowPolicies(ctx: NetworkPolicyContext): Obj[] {
    const n = ctx.namespaces.airflow;
    const airflow = labels({ tier: "airflow" });
    const component = (c: string) => labels({ tier: "airflow", component: c });
    const db = { "app.kubernetes.io/name": "airflow-postgresql", "app.kubernetes.io/component": "database" };
    return [
        ...baseline(n),
        // Components and task pods: the Execution API (api-server), PgBouncer, statsd, log servers.
        policy(n, "components-to-components", airflow, {
            egress: [
                { to: [{ podSelector: component("api-server") }], ports: tcp(8080) },
                { to: [{ podSelector: component("pgbouncer") }], ports: tcp(6543) },
                { to: [{ podSelector: component("statsd") }], ports: udp(9125) },
                { to: [{ podSelector: component("triggerer") }], ports: tcp(8794) },
                { to: [{ podSelector: component("worker") }], ports: tcp(8793) },
            ],
        }),
        policy(n, "api-server-from-ingress-and-airflow", component("api-server"), {
            ingress: [{ from: [PEERS.ingressController, { podSelector: airflow }], ports: tcp(8080) }],
        }),
        policy(n, "pgbouncer", component("pgbouncer"), {
            ingress: [
                { from: [{ podSelector: airflow }], ports: tcp(6543) },
                { from: [PEERS.prometheus(ctx.monitoringNamespace)], ports: tcp(9127) },
            ],
            egress: [{ to: [{ podSelector: labels(db) }], ports: tcp(5432) }],
        }),
        policy(n, "statsd", component("statsd"), {
            ingress: [
                { from: [{ podSelector: airflow }], ports: udp(9125) },
                { from: [PEERS.prometheus(ctx.monitoringNamespace)], ports: tcp(9102) },
            ],
        }),
        policy(
            n,
            "log-servers-from-api-server",
            {
                matchExpressions: [
                    { key: "component", operator: "In", values: ["triggerer", "worker"] },
                    { key: "tier", operator: "In", values: ["airflow"] },
                ],
            },
            {
                ingress: [{ from: [{ podSelector: component("api-server") }], ports: tcp(8793, 8794) }],
            },
        ),
        policy(n, "database-from-pgbouncer-and-backup", labels(db), {
            ingress: [
                {
                    from: [{ podSelector: component("pgbouncer") }, { podSelector: labels({ "app.kubernetes.io/component": "backup" }) }],
                    ports: tcp(5432),
                },
            ],
        }),
        // git-sync fetches DAGs over https or ssh from outside the cluster (never the metadata
        // service). Only the dag-processor runs it (the DAG claim, apps/airflow/values.ts).
        policy(n, "git-sync-egress", component("dag-processor"), { egress: [{ to: [PEERS.internet], ports: tcp(443, 22) }] }),
        // The scheduler starts task pods, the cleanup job deletes them, the api-server reads their logs.
        policy(
            n,
            "kubernetes-api",
            { matchExpressions: [{ key: "component", operator: "In", values: ["scheduler", "api-server", "airflow-cleanup-pods"] }] },
            {
                egress: [kubeApi(ctx)],
            },
        ),
        ...backupEgress(n, db, ctx),
    ];
}

export function appsNetworkPolicies(ctx: NetworkPolicyContext): Obj[] {
    return [...airflowPolicies(ctx), ...todoPolicies(ctx), ...streamPolicies(ctx)];
}

/** Kafka's namespace, cluster name and port from the bootstrap address `<cluster>-kafka-bootstrap.<ns>.svc:<port>`. */
export function kafkaEndpoint(bootstrap: string): NetworkPolicyContext["kafka"] {
    const m = /^([a-z0-9-]+)-kafka-bootstrap\.([a-z0-9-]+)\.svc(?:\.[a-z.]+)?:(\d+)$/.exec(bootstrap);
    if (!m)
        throw new Error(
            `kafkaBootstrap "${bootstrap}" is not a Strimzi bootstrap address (<cluster>-kafka-bootstrap.<namespace>.svc:<port>)`,
        );
    return { clusterName: m[1], namespace: m[2], port: Number(m[3]) };
}
