/**
 * CPU/memory requests of everything the cluster layer runs. The Helm values builders read their
 * `resources` from here and `clusterRequestItems` sums the same numbers, so the fit check counts
 * exactly what the layer asks the scheduler for.
 */
import type { RequestItem } from "../lib/fit";
import type { ClusterConfig, Sizing } from "./config";

/** Requests of the small, fixed-size components (configurable ones live in ClusterConfig). */
export const SIZES = {
    cloudControllerManager: { cpu: "100m", memory: "128Mi" },
    cinderPlugin: { cpu: "30m", memory: "64Mi" },
    cinderSidecar: { cpu: "10m", memory: "32Mi" },
    cinderLivenessProbe: { cpu: "10m", memory: "16Mi" },
    cinderNodeRegistrar: { cpu: "10m", memory: "16Mi" },
    nfsProvisioner: { cpu: "10m", memory: "32Mi" },
    prometheusOperator: { cpu: "100m", memory: "128Mi" },
    configReloader: { cpu: "10m", memory: "32Mi" },
    alertmanager: { cpu: "50m", memory: "128Mi" },
    grafana: { cpu: "100m", memory: "256Mi" },
    grafanaSidecar: { cpu: "20m", memory: "64Mi" },
    kubeStateMetrics: { cpu: "50m", memory: "128Mi" },
    nodeExporter: { cpu: "20m", memory: "32Mi" },
    strimziOperator: { cpu: "200m", memory: "384Mi" },
    topicOperator: { cpu: "100m", memory: "256Mi" },
    userOperator: { cpu: "100m", memory: "256Mi" },
    certManagerController: { cpu: "20m", memory: "96Mi" },
    certManagerWebhook: { cpu: "10m", memory: "48Mi" },
    certManagerCainjector: { cpu: "10m", memory: "128Mi" },
} as const satisfies Record<string, Sizing>;

/** Kubernetes `resources` with requests only for CPU (no CPU throttling) and a memory limit equal to the request. */
export function resources(size: Sizing): { requests: { cpu: string; memory: string }; limits: { memory: string } } {
    return { requests: { cpu: size.cpu, memory: size.memory }, limits: { memory: size.memory } };
}

/** How many nodes of each role the cluster has (DaemonSets run one pod per node). */
export interface NodeCounts {
    readonly servers: number;
    readonly agents: number;
}

export function clusterRequestItems(cfg: ClusterConfig, nodes: NodeCounts): RequestItem[] {
    const all = nodes.servers + nodes.agents;
    const item = (name: string, size: Sizing, replicas = 1, configKeys?: string[]): RequestItem => ({ name, cpu: size.cpu, memory: size.memory, replicas, ...(configKeys ? { configKeys } : {}) });
    const per = (name: string, size: Sizing, pod: string, perNode: "all" | "servers" | undefined, replicas: number, extra: Partial<RequestItem> = {}): RequestItem =>
        ({ name, cpu: size.cpu, memory: size.memory, replicas, pod, ...(perNode ? { perNode } : {}), ...extra });
    return [
        item("ingress-nginx controller", cfg.ingress.resources, cfg.ingress.replicas, ["data-platform:ingressCpu", "data-platform:ingressMemory"]),
        per("openstack cloud controller manager (per server)", SIZES.cloudControllerManager, "openstack-cloud-controller-manager", "servers", nodes.servers, { controlPlane: true }),
        per("cinder-csi controller plugin", SIZES.cinderPlugin, "cinder-csi controller", undefined, 1),
        per("cinder-csi controller sidecars (attacher, provisioner, snapshotter, resizer)", SIZES.cinderSidecar, "cinder-csi controller", undefined, 4, { containers: 4 }),
        per("cinder-csi controller liveness probe", SIZES.cinderLivenessProbe, "cinder-csi controller", undefined, 1),
        per("cinder-csi node plugin (per node)", SIZES.cinderPlugin, "cinder-csi node", "all", all),
        per("cinder-csi node registrar (per node)", SIZES.cinderNodeRegistrar, "cinder-csi node", "all", all),
        per("cinder-csi node liveness probe (per node)", SIZES.cinderLivenessProbe, "cinder-csi node", "all", all),
        item("nfs-subdir-external-provisioner", SIZES.nfsProvisioner),
        item("prometheus-operator", SIZES.prometheusOperator),
        per("prometheus", cfg.monitoring.prometheus, "prometheus", undefined, 1, { configKeys: ["data-platform:prometheusCpu", "data-platform:prometheusMemory"] }),
        per("prometheus config reloader", SIZES.configReloader, "prometheus", undefined, 1),
        per("alertmanager", SIZES.alertmanager, "alertmanager", undefined, cfg.monitoring.alertmanagerReplicas),
        per("alertmanager config reloader", SIZES.configReloader, "alertmanager", undefined, cfg.monitoring.alertmanagerReplicas),
        per("grafana", SIZES.grafana, "grafana", undefined, 1),
        per("grafana sidecars (dashboards, datasources)", SIZES.grafanaSidecar, "grafana", undefined, 2, { containers: 2 }),
        item("kube-state-metrics", SIZES.kubeStateMetrics),
        per("node-exporter (per node)", SIZES.nodeExporter, "node-exporter", "all", all),
        item("strimzi cluster operator", SIZES.strimziOperator),
        item("kafka broker+controller", cfg.kafka.broker, cfg.kafka.brokers, ["data-platform:kafkaBrokerCpu", "data-platform:kafkaBrokerMemory"]),
        item("kafka topic operator", SIZES.topicOperator),
        item("kafka user operator", SIZES.userOperator),
        item("cert-manager controller", SIZES.certManagerController),
        item("cert-manager webhook", SIZES.certManagerWebhook),
        item("cert-manager cainjector", SIZES.certManagerCainjector),
    ];
}
