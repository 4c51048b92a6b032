/** Values for the ingress-nginx chart (final release 4.15.1, controller v1.15.1). Pure. */
import type { Sizing } from "../config";
import { LIMIT_RULES, resources, withLimit } from "../sizing";
import { repository, splitImage } from "./images";
import { CERT_MANAGER_NAMESPACE, DEFAULT_TLS_SECRET } from "./certManager";

/** Digest of the default controller image, published with chart 4.15.1. */
export const CONTROLLER_DIGEST = {
    "registry.k8s.io/ingress-nginx/controller:v1.15.1": "sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1",
} as Record<string, string>;

/**
 * Where the ingress address lands: the floating IP is associated with the API VIP (HA) or
 * server-0's port (infra), so client traffic enters the cluster on a server. The controller runs
 * on every server (the VIP may move to any of them) and the Service keeps traffic on the node it
 * arrived at (`externalTrafficPolicy: Local`): ServiceLB then hands it to the local controller
 * without the extra hop through the ClusterIP, whose SNAT would replace the client's address with
 * a node's. k3s labels servers `node-role.kubernetes.io/control-plane=true`.
 */
export const INGRESS_NODE_SELECTOR = { "node-role.kubernetes.io/control-plane": "true" } as const;
/** Servers may carry the control-plane taint (infra controlPlaneTaint); the controller must still run there. */
export const INGRESS_TOLERATIONS = [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] as const;

export interface IngressValuesArgs {
    readonly image: string;
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
            // One controller per server, where the ingress address lands (INGRESS_NODE_SELECTOR).
            kind: "DaemonSet",
            nodeSelector: { ...INGRESS_NODE_SELECTOR },
            tolerations: INGRESS_TOLERATIONS.map((t) => ({ ...t })),
            // k3s' ServiceLB (klipper-lb) binds 80/443 on the nodes with a local controller and
            // forwards to it directly: nginx's $remote_addr is the client's address.
            service: { type: "LoadBalancer", externalTrafficPolicy: "Local" },
            publishService: { enabled: false },
            // The platform-CA certificate for the ingress address (cert-manager, cluster/certManager.ts)
            // answers every host without a certificate of its own.
            extraArgs: {
                "publish-status-address": args.ingressAddress,
                "default-ssl-certificate": `${CERT_MANAGER_NAMESPACE}/${DEFAULT_TLS_SECRET}`,
            },
            // HTTP only redirects to HTTPS (ACME HTTP-01 challenges stay on HTTP: ingress-nginx
            // exempts /.well-known/acme-challenge from the redirect).
            // No proxy sits in front of nginx, so X-Forwarded-For and PROXY headers from clients
            // are not trusted (they would let anyone claim any address): the chart defaults, stated.
            config: {
                "force-ssl-redirect": "true",
                "ssl-redirect": "true",
                "use-forwarded-headers": "false",
                "use-proxy-protocol": "false",
                "compute-full-forwarded-for": "false",
            },
            ingressClassResource: { name: "nginx", enabled: true, default: true, controllerValue: "k8s.io/ingress-nginx" },
            ingressClass: "nginx",
            watchIngressWithoutClass: true,
            resources: resources(withLimit(args.resources, LIMIT_RULES.ingress)),
            // A DaemonSet rolls one node at a time; the VIP holder keeps answering from the others' turn.
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
            metrics: {
                enabled: true,
                serviceMonitor: { enabled: true, namespace: args.monitoringNamespace, scrapeInterval: "15s" },
            },
            admissionWebhooks: { enabled: true },
        },
        defaultBackend: { enabled: false },
    };
}
