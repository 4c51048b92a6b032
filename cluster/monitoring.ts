/**
 * kube-prometheus-stack tuned for k3s, with Grafana's admin password generated here and handed
 * to the chart as an existing Secret (never in Helm values).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ClusterConfig } from "./config";
import { helmRelease } from "./helm";
import { clusterNamespaces, namespaceMetadata } from "./namespaces";
import { GRAFANA_ADMIN_KEYS, monitoringValues } from "./values/monitoring";
import { componentType } from "../lib/componentType";

export interface MonitoringArgs {
    readonly config: ClusterConfig;
    readonly storageClass: string;
    /** infra's ingress address: Grafana's domain when no grafanaHost is configured. */
    readonly ingressAddress: string;
    readonly serverAddresses: readonly string[];
    readonly nodeAddresses: readonly string[];
    /** Resources that must exist first (the storage classes Prometheus' volumes use). */
    readonly after: pulumi.Resource[];
    /** Addresses Grafana's Ingress admits (the infra layer's adminCidrs unless configured). */
    readonly grafanaAllowedCidrs: readonly string[];
}

export class Monitoring extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    /** The release; its CRDs (ServiceMonitor, PodMonitor) exist once it is ready. */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "Monitoring"), name, {}, opts);
        const m = args.config.monitoring;
        const namespaces = clusterNamespaces(args.config);
        const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: namespaceMetadata(namespaces, "monitoring") }, { parent: this });
        // node-exporter needs the host's namespaces: alone in its own, so the rest can enforce more.
        const nodeExporterNs = new k8s.core.v1.Namespace(
            `${name}-node-exporter-ns`,
            { metadata: namespaceMetadata(namespaces, "nodeExporter") },
            { parent: this },
        );

        const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: "grafana-admin", namespace: ns.metadata.name },
                type: "Opaque",
                stringData: pulumi.secret(
                    pulumi.output(password.result).apply((p) => ({ [GRAFANA_ADMIN_KEYS.user]: "admin", [GRAFANA_ADMIN_KEYS.password]: p })),
                ),
            },
            { parent: this },
        );

        this.release = helmRelease(
            `${name}-kube-prometheus-stack`,
            "kube-prometheus-stack",
            {
                chart: "kube-prometheus-stack",
                pin: args.config.charts["kube-prometheus-stack"],
                namespace: ns.metadata.name,
                values: monitoringValues({
                    monitoring: m,
                    storageClass: args.storageClass,
                    grafanaAdminSecret: "grafana-admin",
                    nodeExporterNamespace: namespaces.nodeExporter,
                    ingressAddress: args.ingressAddress,
                    serverAddresses: args.serverAddresses,
                    nodeAddresses: args.nodeAddresses,
                    acme: args.config.tls.acmeEmail !== undefined,
                    grafanaAllowedCidrs: args.grafanaAllowedCidrs,
                }),
                // CRDs, the admission-webhook patch Jobs and the first Prometheus volume take a while.
                timeoutSeconds: 900,
            },
            { parent: this, dependsOn: [adminSecret, nodeExporterNs, ...args.after] },
        );
        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }
}
