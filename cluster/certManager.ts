/**
 * cert-manager and the cluster's ClusterIssuers (platform CA always; Let's Encrypt over HTTP-01
 * when an ACME e-mail is configured), plus the ingress controller's default certificate.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./config";
import { helmRelease } from "./helm";
import { clusterNamespaces, namespaceMetadata } from "./namespaces";
import { certManagerValues, issuerFor, ISSUERS, issuerObjects } from "./values/certManager";
import { componentType } from "../lib/componentType";

export interface CertManagerArgs {
    readonly config: ClusterConfig;
    readonly ingressClass: string;
    readonly ingressAddress: string;
    /** The ServiceMonitor CRD comes with the monitoring release. */
    readonly after: pulumi.Resource[];
}

export class CertManager extends pulumi.ComponentResource {
    /** Issuer for names without public DNS (and everything in dev). */
    readonly caIssuer = ISSUERS.ca;
    /** Issuer for in-cluster Service names (the internal CA). */
    readonly internalIssuer = ISSUERS.internal;
    /** `letsencrypt` when ACME is configured, else the platform CA. */
    readonly publicIssuer: string;
    /** Completes when every issuer object exists. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "CertManager"), name, {}, opts);
        const cfg = args.config;
        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: namespaceMetadata(clusterNamespaces(cfg), "certManager") },
            { parent: this },
        );
        const release = helmRelease(
            `${name}-release`,
            "cert-manager",
            {
                chart: "cert-manager",
                pin: cfg.charts["cert-manager"],
                namespace: ns.metadata.name,
                values: certManagerValues({ image: cfg.images.certManagerController, monitoringNamespace: cfg.monitoring.namespace }),
            },
            { parent: this, dependsOn: args.after },
        );
        let previous: pulumi.Resource = release;
        this.ready = issuerObjects({
            environment: cfg.environment,
            acmeEmail: cfg.tls.acmeEmail,
            acmeServer: cfg.tls.acmeServer,
            ingressClass: args.ingressClass,
            ingressAddress: args.ingressAddress,
            caDomains: cfg.tls.caDomains,
        }).map((obj) => {
            const meta = obj.metadata as { name: string };
            // In order: the CA Certificate needs its issuer, the CA issuer its Secret.
            previous = new k8s.apiextensions.CustomResource(
                `${name}-${String(obj.kind).toLowerCase()}-${meta.name}`,
                obj as k8s.apiextensions.CustomResourceArgs,
                { parent: this, dependsOn: [previous] },
            );
            return previous;
        });
        this.publicIssuer = issuerFor("public.example", cfg.tls.acmeEmail !== undefined);
        this.registerOutputs({ caIssuer: this.caIssuer, publicIssuer: this.publicIssuer, internalIssuer: this.internalIssuer });
    }
}
