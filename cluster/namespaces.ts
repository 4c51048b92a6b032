/**
 * The cluster layer's namespaces and the Pod Security level each enforces: the strictest its
 * pods pass (docs/security.md). kube-system stays k3s' own (cloud controller, cinder-csi's node
 * plugin and the CSI NFS driver run there on the host network, privileged). Pure.
 */
import type { ClusterConfig } from "./config";
import { CERT_MANAGER_NAMESPACE } from "./values/certManager";
import { podSecurityLabels, type PodSecurityLevel } from "../lib/kube/networkPolicy";

export const INGRESS_NAMESPACE = "ingress-nginx";

export interface ClusterNamespaces {
    readonly certManager: string;
    readonly ingress: string;
    readonly kafka: string;
    readonly monitoring: string;
    /** node-exporter alone: its host namespaces and hostPath keep it from any stricter level. */
    readonly nodeExporter: string;
}

export function clusterNamespaces(cfg: Pick<ClusterConfig, "monitoring" | "kafka">): ClusterNamespaces {
    return {
        certManager: CERT_MANAGER_NAMESPACE,
        ingress: INGRESS_NAMESPACE,
        kafka: cfg.kafka.namespace,
        monitoring: cfg.monitoring.namespace,
        nodeExporter: `${cfg.monitoring.namespace}-node-exporter`,
    };
}

/** Each namespace's enforced level and what decides it. */
export const POD_SECURITY: Record<keyof ClusterNamespaces, { level: PodSecurityLevel; why: string }> = {
    certManager: {
        level: "restricted",
        why:
            "every component runs as non-root with RuntimeDefault seccomp, " +
            "no privilege escalation, all capabilities dropped (cluster/values/certManager.ts)",
    },
    kafka: {
        level: "restricted",
        why:
            "the operator's pod/container contexts are set, and Strimzi's `restricted` " +
            "pod security provider shapes every broker and entity-operator pod",
    },
    ingress: { level: "baseline", why: "the controller adds NET_BIND_SERVICE (baseline allows it); restricted is reported as warnings" },
    monitoring: {
        level: "baseline",
        why:
            "Prometheus, Alertmanager, Grafana, kube-state-metrics and the operator use " +
            "no host namespaces, hostPath or privilege; restricted is reported as warnings",
    },
    nodeExporter: {
        level: "privileged",
        why: "node-exporter reads the node through hostNetwork, hostPID and hostPath mounts of / , /proc and /sys",
    },
};

/** Namespace metadata with its Pod Security labels. */
export function namespaceMetadata(
    namespaces: ClusterNamespaces,
    key: keyof ClusterNamespaces,
): { name: string; labels: Record<string, string> } {
    return { name: namespaces[key], labels: podSecurityLabels(POD_SECURITY[key].level) };
}
