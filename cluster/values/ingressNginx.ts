/** Values for the ingress-nginx chart (final release 4.15.1, controller v1.15.1). Pure. */
import type { Sizing } from "../config";
import { resources } from "../sizing";
import { repository, splitImage } from "./images";
import { CERT_MANAGER_NAMESPACE, DEFAULT_TLS_SECRET } from "./certManager";

/** Digest of the default controller image, published with chart 4.15.1. */
export const CONTROLLER_DIGEST = { "registry.k8s.io/ingress-nginx/controller:v1.15.1": "sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1" } as Record<string, string>;

export interface IngressValuesArgs {
    readonly image: string;
    readonly replicas: number;
    readonly resources: Sizing;
    /** Address that answers 80/443 (infra's ingressAddress); published in Ingress status. */
    readonly ingressAddress: string;
    readonly monitoringNamespace: string;
}

export function ingressNginxValues(args: IngressValuesArgs): Record<string, unknown> {
    const parts = splitImage(args.image);
    return {
        controller: {
            image: {
                // The full repository form: one string the pinned-image policy can read.
                repository: repository(args.image),
                tag: parts.tag,
                // A digest only where it is known to belong to the tag.
                digest: CONTROLLER_DIGEST[args.image] ?? "",
            },
            replicaCount: args.replicas,
            kind: "Deployment",
            // k3s' ServiceLB (klipper-lb) binds 80/443 on every node for a LoadBalancer Service,
            // so the floating IP works whichever node carries it.
            service: { type: "LoadBalancer", externalTrafficPolicy: "Cluster" },
            publishService: { enabled: false },
            // The platform-CA certificate for the ingress address (cert-manager, cluster/certManager.ts)
            // answers every host without a certificate of its own.
            extraArgs: { "publish-status-address": args.ingressAddress, "default-ssl-certificate": `${CERT_MANAGER_NAMESPACE}/${DEFAULT_TLS_SECRET}` },
            // HTTP only redirects to HTTPS (ACME HTTP-01 challenges stay on HTTP: ingress-nginx
            // exempts /.well-known/acme-challenge from the redirect).
            config: { "force-ssl-redirect": "true", "ssl-redirect": "true" },
            ingressClassResource: { name: "nginx", enabled: true, default: true, controllerValue: "k8s.io/ingress-nginx" },
            ingressClass: "nginx",
            watchIngressWithoutClass: true,
            resources: resources(args.resources),
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                        {
                            weight: 100,
                            podAffinityTerm: {
                                topologyKey: "kubernetes.io/hostname",
                                labelSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } },
                            },
                        },
                    ],
                },
            },
            metrics: {
                enabled: true,
                serviceMonitor: { enabled: true, namespace: args.monitoringNamespace, scrapeInterval: "15s" },
            },
            admissionWebhooks: { enabled: true },
        },
        defaultBackend: { enabled: false },
    };
}
