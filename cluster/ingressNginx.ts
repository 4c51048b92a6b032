/**
 * ingress-nginx, the default IngressClass `nginx`, behind k3s' ServiceLB on 80/443 of the servers
 * (where the ingress address lands), keeping the client's address (cluster/values/ingressNginx.ts).
 * Upstream retired the project (final chart 4.15.1, controller v1.15.1): see docs/cluster.md.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./config";
import { helmRelease } from "./helm";
import { clusterNamespaces, namespaceMetadata } from "./namespaces";
import { ingressNginxValues } from "./values/ingressNginx";
import { componentType } from "../lib/componentType";

export interface IngressNginxArgs {
    readonly config: ClusterConfig;
    readonly ingressAddress: string;
    /** The ServiceMonitor CRD comes with the monitoring release. */
    readonly after: pulumi.Resource[];
}

export class IngressNginx extends pulumi.ComponentResource {
    readonly ingressClass = "nginx";

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "IngressNginx"), name, {}, opts);
        const cfg = args.config;
        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: namespaceMetadata(clusterNamespaces(cfg), "ingress") },
            { parent: this },
        );
        helmRelease(
            `${name}-release`,
            "ingress-nginx",
            {
                chart: "ingress-nginx",
                pin: cfg.charts["ingress-nginx"],
                namespace: ns.metadata.name,
                values: ingressNginxValues({
                    image: cfg.images.ingressController,
                    resources: cfg.ingress.resources,
                    ingressAddress: args.ingressAddress,
                    monitoringNamespace: cfg.monitoring.namespace,
                }),
            },
            { parent: this, dependsOn: args.after },
        );
        this.registerOutputs({ ingressClass: this.ingressClass });
    }
}
