/**
 * CPU/memory requests of everything the cluster layer runs. The Helm values builders read their
 * `resources` from here and `clusterRequestItems` sums the same numbers, so the fit check counts
 * exactly what the layer asks the scheduler for.
 */
import type { RequestItem } from "../lib/fit";
import type { ClusterConfig, Sizing } from "./config";
import { Quantity } from "../lib/quantity";

/** A component's requests (for the fit check) and its memory limit, with the reason for the limit. */
export interface Size extends Sizing {
    /** Memory limit: above the request where the component's use swings (reloads, replays, caches). */
    readonly memoryLimit: string;
}

/**
 * Requests of the small, fixed-size components (configurable ones live in ClusterConfig) and
 * their memory limits. Requests are what the fit check counts; a limit equal to the request
 * turns every short peak into an OOM kill and a restart loop, so each limit says why it is
 * where it is.
 */
export const SIZES = {
    // Node informers grow with the node count; 2× for resyncs after an API outage.
    cloudControllerManager: { cpu: "100m", memory: "128Mi", memoryLimit: "256Mi" },
    // Go driver; attach/mount bursts while a node drains and its volumes move: 2×.
    cinderPlugin: { cpu: "30m", memory: "64Mi", memoryLimit: "128Mi" },
    // CSI sidecars cache PVs/VolumeAttachments cluster-wide; the ≥128Mi floor of every watcher.
    cinderSidecar: { cpu: "10m", memory: "32Mi", memoryLimit: "128Mi" },
    // Only answers the kubelet's probe: small and flat, 4×.
    cinderLivenessProbe: { cpu: "10m", memory: "16Mi", memoryLimit: "64Mi" },
    cinderNodeRegistrar: { cpu: "10m", memory: "16Mi", memoryLimit: "64Mi" },
    // NFS CSI plugin: mounts and makes directories, no cache; mount bursts while a node drains: 4×.
    nfsCsiPlugin: { cpu: "10m", memory: "32Mi", memoryLimit: "128Mi" },
    // Its controller's provisioner and resizer watch PVCs/PVs cluster-wide: the watcher floor.
    nfsCsiSidecar: { cpu: "10m", memory: "32Mi", memoryLimit: "128Mi" },
    // Liveness probe and node registrar: small and flat, 4×.
    nfsCsiProbe: { cpu: "10m", memory: "16Mi", memoryLimit: "64Mi" },
    // Watches VolumeSnapshots and PVCs cluster-wide: the watcher floor.
    snapshotController: { cpu: "10m", memory: "32Mi", memoryLimit: "128Mi" },
    // Watches every Service/Pod/Secret it selects in all namespaces; re-lists after restarts: 2×.
    prometheusOperator: { cpu: "100m", memory: "128Mi", memoryLimit: "256Mi" },
    // Watches and re-renders config on every change: the watcher floor.
    configReloader: { cpu: "10m", memory: "32Mi", memoryLimit: "128Mi" },
    // Silences and notification log in memory, bursts on alert storms: 2×.
    alertmanager: { cpu: "50m", memory: "128Mi", memoryLimit: "256Mi" },
    // Dashboard queries over long ranges buffer whole responses in Grafana: 2×.
    grafana: { cpu: "100m", memory: "256Mi", memoryLimit: "512Mi" },
    // The dashboard/datasource sidecars list the ConfigMaps of the monitoring namespace.
    grafanaSidecar: { cpu: "20m", memory: "64Mi", memoryLimit: "192Mi" },
    // One series per object of the cluster; grows with every Pod/Job the apps create: 2×.
    kubeStateMetrics: { cpu: "50m", memory: "128Mi", memoryLimit: "256Mi" },
    // Per-node collectors, flat use: the watcher floor.
    nodeExporter: { cpu: "20m", memory: "32Mi", memoryLimit: "128Mi" },
    // JVMs (heap a share of the container memory); a full reconcile of every resource at startup.
    strimziOperator: { cpu: "200m", memory: "384Mi", memoryLimit: "512Mi" },
    topicOperator: { cpu: "100m", memory: "256Mi", memoryLimit: "512Mi" },
    userOperator: { cpu: "100m", memory: "256Mi", memoryLimit: "512Mi" },
    // Caches every Certificate/Secret it owns; bursts on renewals: 2×.
    certManagerController: { cpu: "20m", memory: "96Mi", memoryLimit: "192Mi" },
    certManagerWebhook: { cpu: "10m", memory: "48Mi", memoryLimit: "128Mi" },
    // Watches Secrets, CRDs and webhooks cluster-wide: 2×.
    certManagerCainjector: { cpu: "10m", memory: "128Mi", memoryLimit: "256Mi" },
} as const satisfies Record<string, Size>;

/**
 * Limits of the configurable components, derived from their requests:
 * - ingress-nginx runs one nginx worker per vCPU of its node, and a config reload keeps the old
 *   workers until their connections drain, so use doubles for a while: 4× the request, at least 512Mi.
 * - Prometheus replays its whole WAL into memory after a restart, more than steady state: 2×.
 * - Kafka brokers: the JVM heap is fixed at half the request (`heapFor`), the rest is page cache
 *   the kernel reclaims under pressure: the request, as a Guaranteed pod the kubelet evicts last.
 */
export const LIMIT_RULES = {
    ingress: (request: string): string => atLeast(Quantity.parse(request).times(4), "512Mi"),
    prometheus: (request: string): string => Quantity.parse(request).times(2).formatBytes(),
    kafkaBroker: (request: string): string => request,
} as const;

function atLeast(q: Quantity, floor: string): string {
    const min = Quantity.parse(floor);
    return (q.compare(min) < 0 ? min : q).formatBytes();
}

/** The size of a configurable component with its derived limit. */
export function withLimit(size: Sizing, rule: (request: string) => string): Size {
    return { ...size, memoryLimit: rule(size.memory) };
}

/** Kubernetes `resources`: requests for CPU and memory (no CPU limit, so no throttling) and the memory limit. */
export function resources(size: Size): { requests: { cpu: string; memory: string }; limits: { memory: string } } {
    return { requests: { cpu: size.cpu, memory: size.memory }, limits: { memory: size.memoryLimit } };
}

/** How many nodes of each role the cluster has (DaemonSets run one pod per node). */
export interface NodeCounts {
    readonly servers: number;
    readonly agents: number;
}

export function clusterRequestItems(cfg: ClusterConfig, nodes: NodeCounts): RequestItem[] {
    const all = nodes.servers + nodes.agents;
    const item = (name: string, size: Sizing, replicas = 1, configKeys?: string[]): RequestItem => ({
        name,
        cpu: size.cpu,
        memory: size.memory,
        replicas,
        ...(configKeys ? { configKeys } : {}),
    });
    const per = (
        name: string,
        size: Sizing,
        pod: string,
        perNode: "all" | "servers" | undefined,
        replicas: number,
        extra: Partial<RequestItem> = {},
    ): RequestItem => ({ name, cpu: size.cpu, memory: size.memory, replicas, pod, ...(perNode ? { perNode } : {}), ...extra });
    return [
        per("ingress-nginx controller (per server)", cfg.ingress.resources, "ingress-nginx controller", "servers", nodes.servers, {
            controlPlane: true,
            configKeys: ["data-platform:ingressCpu", "data-platform:ingressMemory"],
        }),
        per(
            "openstack cloud controller manager (per server)",
            SIZES.cloudControllerManager,
            "openstack-cloud-controller-manager",
            "servers",
            nodes.servers,
            { controlPlane: true },
        ),
        per("cinder-csi controller plugin", SIZES.cinderPlugin, "cinder-csi controller", undefined, 1),
        per(
            "cinder-csi controller sidecars (attacher, provisioner, snapshotter, resizer)",
            SIZES.cinderSidecar,
            "cinder-csi controller",
            undefined,
            4,
            { containers: 4 },
        ),
        per("cinder-csi controller liveness probe", SIZES.cinderLivenessProbe, "cinder-csi controller", undefined, 1),
        per("cinder-csi node plugin (per node)", SIZES.cinderPlugin, "cinder-csi node", "all", all),
        per("cinder-csi node registrar (per node)", SIZES.cinderNodeRegistrar, "cinder-csi node", "all", all),
        per("cinder-csi node liveness probe (per node)", SIZES.cinderLivenessProbe, "cinder-csi node", "all", all),
        per("csi-driver-nfs controller plugin", SIZES.nfsCsiPlugin, "csi-nfs controller", undefined, 1),
        per("csi-driver-nfs controller sidecars (provisioner, resizer)", SIZES.nfsCsiSidecar, "csi-nfs controller", undefined, 2, {
            containers: 2,
        }),
        per("csi-driver-nfs controller liveness probe", SIZES.nfsCsiProbe, "csi-nfs controller", undefined, 1),
        per("csi-driver-nfs node plugin (per node)", SIZES.nfsCsiPlugin, "csi-nfs node", "all", all),
        per("csi-driver-nfs node registrar and liveness probe (per node)", SIZES.nfsCsiProbe, "csi-nfs node", "all", 2 * all, {
            containers: 2,
        }),
        item("snapshot-controller", SIZES.snapshotController),
        item("prometheus-operator", SIZES.prometheusOperator),
        per("prometheus", cfg.monitoring.prometheus, "prometheus", undefined, 1, {
            configKeys: ["data-platform:prometheusCpu", "data-platform:prometheusMemory"],
        }),
        per("prometheus config reloader", SIZES.configReloader, "prometheus", undefined, 1),
        per("alertmanager", SIZES.alertmanager, "alertmanager", undefined, cfg.monitoring.alertmanagerReplicas),
        per("alertmanager config reloader", SIZES.configReloader, "alertmanager", undefined, cfg.monitoring.alertmanagerReplicas),
        per("grafana", SIZES.grafana, "grafana", undefined, 1),
        per("grafana sidecars (dashboards, datasources)", SIZES.grafanaSidecar, "grafana", undefined, 2, { containers: 2 }),
        item("kube-state-metrics", SIZES.kubeStateMetrics),
        per("node-exporter (per node)", SIZES.nodeExporter, "node-exporter", "all", all),
        item("strimzi cluster operator", SIZES.strimziOperator),
        item("kafka broker+controller", cfg.kafka.broker, cfg.kafka.brokers, [
            "data-platform:kafkaBrokerCpu",
            "data-platform:kafkaBrokerMemory",
        ]),
        item("kafka topic operator", SIZES.topicOperator),
        item("kafka user operator", SIZES.userOperator),
        item("cert-manager controller", SIZES.certManagerController),
        item("cert-manager webhook", SIZES.certManagerWebhook),
        item("cert-manager cainjector", SIZES.certManagerCainjector),
    ];
}
