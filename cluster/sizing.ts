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
    const item = (name: string, size: Sizing, replicas = 1): RequestItem => ({ name, cpu: size.cpu, memory: size.memory, replicas });
    return [
        item("ingress-nginx controller", cfg.ingress.resources, cfg.ingress.replicas),
        item("openstack cloud controller manager (per server)", SIZES.cloudControllerManager, nodes.servers),
        item("cinder-csi controller plugin", SIZES.cinderPlugin),
        item("cinder-csi controller sidecars (attacher, provisioner, snapshotter, resizer)", SIZES.cinderSidecar, 4),
        item("cinder-csi controller liveness probe", SIZES.cinderLivenessProbe),
        item("cinder-csi node plugin (per node)", SIZES.cinderPlugin, all),
        item("cinder-csi node registrar (per node)", SIZES.cinderNodeRegistrar, all),
        item("cinder-csi node liveness probe (per node)", SIZES.cinderLivenessProbe, all),
        item("nfs-subdir-external-provisioner", SIZES.nfsProvisioner),
        item("prometheus-operator", SIZES.prometheusOperator),
        item("prometheus", cfg.monitoring.prometheus),
        item("prometheus config reloader", SIZES.configReloader),
        item("alertmanager", SIZES.alertmanager, cfg.monitoring.alertmanagerReplicas),
        item("alertmanager config reloader", SIZES.configReloader, cfg.monitoring.alertmanagerReplicas),
        item("grafana", SIZES.grafana),
        item("grafana sidecars (dashboards, datasources)", SIZES.grafanaSidecar, 2),
        item("kube-state-metrics", SIZES.kubeStateMetrics),
        item("node-exporter (per node)", SIZES.nodeExporter, all),
        item("strimzi cluster operator", SIZES.strimziOperator),
        item("kafka broker+controller", cfg.kafka.broker, cfg.kafka.brokers),
        item("kafka topic operator", SIZES.topicOperator),
        item("kafka user operator", SIZES.userOperator),
        item("cert-manager controller", SIZES.certManagerController),
        item("cert-manager webhook", SIZES.certManagerWebhook),
        item("cert-manager cainjector", SIZES.certManagerCainjector),
    ];
}
