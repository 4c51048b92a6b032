/**
 * NetworkPolicies of the cluster layer's namespaces: default-deny (ingress and egress) plus DNS,
 * then the flows each needs — the Kubernetes API for operators and controllers, admission
 * webhooks, Prometheus' scrapes, the ingress controller's backends, ACME and alert receivers
 * (tests/cluster/networkPolicies.test.ts evaluates them as a who-may-talk-to-whom table). Pure.
 *
 * Webhook ports admit any source: the API server calls them from whichever server it runs on,
 * through the node's address or its flannel interface, and the webhook itself requires TLS.
 */
import type { AlertingConfig } from "./alertingConfig";
import type { ClusterNamespaces } from "./namespaces";
import { denyAllBase, endpointPort, kubeApi, labels, ns, type Obj, PEERS, policy, tcp } from "../lib/kube/networkPolicy";

export interface ClusterPolicyContext {
    readonly namespaces: ClusterNamespaces;
    /** k3s server addresses: the Kubernetes API (6443) after the `kubernetes` Service's DNAT. */
    readonly apiServers: readonly string[];
    /** Every node's address: kubelet, node-exporter, kube-proxy and etcd metrics are scraped there. */
    readonly nodeAddresses: readonly string[];
    /** Namespaces whose pods may reach the Kafka listeners. */
    readonly kafkaClientNamespaces: readonly string[];
    /** Strimzi cluster name (its pods' `strimzi.io/cluster` label). */
    readonly kafkaCluster: string;
    /** Ports of the alert receivers' URLs (Slack, webhook); none: Alertmanager reaches nothing outside. */
    readonly alertReceiverPorts: readonly number[];
    /** Grafana is also served on a NodePort (traffic from any address to its container port). */
    readonly grafanaNodePort: boolean;
}

/** Ports scraped on the nodes themselves: kubelet, node-exporter, kube-proxy, etcd. */
export const NODE_SCRAPE_PORTS = [10250, 9100, 10249, 2381];
/** Strimzi's client listeners (plain and TLS). */
export const KAFKA_LISTENER_PORTS = [9092, 9093];

const everyPod = {};
const apiFor = (n: string, ctx: ClusterPolicyContext) => policy(n, "kubernetes-api", everyPod, { egress: [kubeApi(ctx.apiServers)] });
const withinNamespace = (n: string) =>
    policy(n, "within-namespace", everyPod, { ingress: [{ from: [PEERS.sameNamespace] }], egress: [{ to: [PEERS.sameNamespace] }] });

function certManager(ctx: ClusterPolicyContext): Obj[] {
    const n = ctx.namespaces.certManager;
    return [
        ...denyAllBase(n),
        apiFor(n, ctx),
        // The ACME directory, and the HTTP-01 self-check against the ingress address.
        policy(n, "controller-acme", labels({ "app.kubernetes.io/component": "controller" }), {
            egress: [{ to: [PEERS.anyOutsideCluster], ports: tcp(80, 443) }],
        }),
        policy(n, "webhook-from-api-server", labels({ "app.kubernetes.io/component": "webhook" }), { ingress: [{ ports: tcp(10250) }] }),
        policy(n, "metrics-from-prometheus", everyPod, {
            ingress: [{ from: [PEERS.prometheus(ctx.namespaces.monitoring)], ports: tcp(9402) }],
        }),
    ];
}

function ingressNginx(ctx: ClusterPolicyContext): Obj[] {
    const n = ctx.namespaces.ingress;
    const controller = labels({ "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" });
    return [
        ...denyAllBase(n),
        apiFor(n, ctx),
        policy(n, "controller", controller, {
            ingress: [
                // Clients from anywhere (ServiceLB keeps their address), the admission webhook, metrics.
                { ports: tcp(80, 443) },
                { ports: tcp(8443) },
                { from: [PEERS.prometheus(ctx.namespaces.monitoring)], ports: tcp(10254) },
            ],
            // The backends of every Ingress; each backend's own namespace decides what it admits.
            egress: [{ to: [PEERS.anyPod] }],
        }),
    ];
}

function kafka(ctx: ClusterPolicyContext): Obj[] {
    const n = ctx.namespaces.kafka;
    const brokers = labels({ "strimzi.io/cluster": ctx.kafkaCluster, "strimzi.io/kind": "Kafka" });
    return [
        ...denyAllBase(n),
        apiFor(n, ctx),
        // Operator, brokers (replication, controller quorum) and the entity operator.
        withinNamespace(n),
        // Strimzi generates the same listener rule; stated here so it is part of what is tested.
        policy(n, "clients-to-listeners", brokers, {
            ingress: [{ from: ctx.kafkaClientNamespaces.map((c) => ({ namespaceSelector: ns(c) })), ports: tcp(...KAFKA_LISTENER_PORTS) }],
        }),
        policy(n, "metrics-from-prometheus", everyPod, {
            ingress: [{ from: [PEERS.prometheus(ctx.namespaces.monitoring)], ports: tcp(9404, 8080) }],
        }),
    ];
}

function monitoring(ctx: ClusterPolicyContext): Obj[] {
    const n = ctx.namespaces.monitoring;
    const prometheus = labels({ "app.kubernetes.io/name": "prometheus" });
    return [
        // Grafana's Ingress may be served a Let's Encrypt certificate.
        ...denyAllBase(n, { acmeSolver: true }),
        // Operators, the dashboard sidecars, kube-state-metrics and Prometheus' discovery.
        apiFor(n, ctx),
        // Grafana → Prometheus/Alertmanager, Prometheus → Alertmanager and its own targets, the Alertmanager mesh.
        withinNamespace(n),
        policy(n, "prometheus-scrapes", prometheus, {
            egress: [
                { to: [PEERS.anyPod] },
                { to: ctx.nodeAddresses.map((a) => ({ ipBlock: { cidr: `${a}/32` } })), ports: tcp(...NODE_SCRAPE_PORTS) },
            ],
        }),
        policy(n, "grafana", labels({ "app.kubernetes.io/name": "grafana" }), {
            ingress: [ctx.grafanaNodePort ? { ports: tcp(3000) } : { from: [PEERS.ingressController], ports: tcp(3000) }],
        }),
        // The operator's admission webhook.
        policy(n, "webhook-from-api-server", everyPod, { ingress: [{ ports: tcp(10250) }] }),
        ...(ctx.alertReceiverPorts.length > 0
            ? [
                  policy(n, "alertmanager-receivers", labels({ "app.kubernetes.io/name": "alertmanager" }), {
                      egress: [{ to: [PEERS.anyOutsideCluster], ports: tcp(...[...new Set(ctx.alertReceiverPorts)]) }],
                  }),
              ]
            : []),
    ];
}

/** Ports Alertmanager sends to: the SMTP smarthost's, and 443 (or the URL's port) for Slack and webhooks. */
export function alertReceiverPorts(a: Pick<AlertingConfig, "email" | "slack" | "webhook">): number[] {
    // A secret URL is a placeholder in the offline synth: its port is unknowable there, https assumed.
    const urlPort = (url: string) => (/^https?:\/\//.test(url) ? endpointPort(url) : 443);
    return [
        ...(a.email ? [Number(a.email.smarthost.split(":").pop())] : []),
        ...(a.slack ? [urlPort(a.slack.url)] : []),
        ...(a.webhook ? [urlPort(a.webhook.url)] : []),
    ];
}

export function clusterNetworkPolicies(ctx: ClusterPolicyContext): Obj[] {
    return [
        ...certManager(ctx),
        ...ingressNginx(ctx),
        ...kafka(ctx),
        ...monitoring(ctx),
        // node-exporter runs on the host network, which NetworkPolicies never select: deny the rest.
        ...denyAllBase(ctx.namespaces.nodeExporter),
    ];
}
