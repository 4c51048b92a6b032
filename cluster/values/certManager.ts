/**
 * cert-manager (official jetstack chart) values and the ClusterIssuers it serves. Pure.
 *
 * Two issuers: `platform-ca`, a CA of this cluster (bootstrapped by a self-signed issuer) that
 * signs certificates for IP addresses and names without public DNS (dev), and, when an ACME
 * e-mail is configured, `letsencrypt` (ACME HTTP-01 answered through ingress-nginx) for public
 * DNS names. Apps pick per host: ACME for a DNS name when available, else the platform CA.
 */
import { resources, SIZES, type Size } from "../sizing";
import { repository, splitImage } from "./images";
import { caNameConstraints, isIpAddress, issuerForHost } from "../../lib/tls";

export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const CERT_MANAGER_API = "cert-manager.io/v1";
export const ISSUERS = { selfSigned: "selfsigned-bootstrap", ca: "platform-ca", acme: "letsencrypt", internal: "internal-ca" } as const;
/** Secret of the platform CA (in the cert-manager namespace, where a ClusterIssuer reads it). */
export const PLATFORM_CA_SECRET = "platform-ca";
/** Secret of the internal CA, which signs in-cluster Service names only (e.g. Airflow's database). */
export const INTERNAL_CA_SECRET = "internal-ca";
/** The internal CA's name constraints: Service names (`<svc>.<ns>.svc[.cluster.local]`) and nothing else. */
export const INTERNAL_CA_DOMAINS = ["svc", "svc.cluster.local"] as const;
/** ingress-nginx's default certificate: served for the ingress address and any host without its own. */
export const DEFAULT_TLS_SECRET = "ingress-default-tls";
export { CLUSTER_ISSUER_ANNOTATION } from "../../lib/tls";

/** cert-manager's component images; all share the controller's tag (one release). */
const COMPONENTS = ["controller", "webhook", "cainjector", "acmesolver", "startupapicheck"] as const;

export function certManagerImages(controllerImage: string): Record<(typeof COMPONENTS)[number], { repository: string; tag: string }> {
    const { tag } = splitImage(controllerImage);
    const base = repository(controllerImage).replace(/-controller$/, "");
    return Object.fromEntries(COMPONENTS.map((c) => [c, { repository: `${base}-${c}`, tag }])) as never;
}

const NAME_CONSTRAINTS_GATE = "NameConstraints=true";

export interface CertManagerValuesArgs {
    /** `quay.io/jetstack/cert-manager-controller:vX.Y.Z`. */
    readonly image: string;
    readonly monitoringNamespace: string;
}

const sized = (size: Size) => resources(size);

export function certManagerValues(args: CertManagerValuesArgs): Record<string, unknown> {
    const images = certManagerImages(args.image);
    const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };
    // With `hardened`, what Pod Security `restricted` asks of every pod (cluster/namespaces.ts).
    const pod = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
    return {
        // CRDs with the release, kept when the release is removed (Certificates survive an uninstall).
        crds: { enabled: true, keep: true },
        // Certificate.spec.nameConstraints is alpha in v1.21: both the controller and the webhook need the gate.
        featureGates: NAME_CONSTRAINTS_GATE,
        image: images.controller,
        resources: sized(SIZES.certManagerController),
        securityContext: pod,
        containerSecurityContext: hardened,
        webhook: {
            featureGates: NAME_CONSTRAINTS_GATE,
            image: images.webhook,
            resources: sized(SIZES.certManagerWebhook),
            securityContext: pod,
            containerSecurityContext: hardened,
        },
        cainjector: {
            enabled: true,
            image: images.cainjector,
            resources: sized(SIZES.certManagerCainjector),
            securityContext: pod,
            containerSecurityContext: hardened,
        },
        acmesolver: { image: images.acmesolver },
        startupapicheck: { enabled: true, image: images.startupapicheck, securityContext: pod, containerSecurityContext: hardened },
        // certmanager_certificate_expiration_timestamp_seconds & co. for the alerts.
        prometheus: { enabled: true, servicemonitor: { enabled: true, namespace: args.monitoringNamespace, interval: "60s" } },
    };
}

export interface IssuerArgs {
    readonly environment: string;
    /** ACME account e-mail; unset: no ACME issuer. */
    readonly acmeEmail?: string;
    readonly acmeServer: string;
    readonly ingressClass: string;
    /** infra's ingress address: the default certificate covers it. */
    readonly ingressAddress: string;
    /** DNS domains the platform CA may sign under (its name constraints). */
    readonly caDomains: readonly string[];
}

/** The cert-manager objects (in creation order) that make both issuers and the default certificate. */
export function issuerObjects(a: IssuerArgs): Record<string, unknown>[] {
    const ns = CERT_MANAGER_NAMESPACE;
    const objects: Record<string, unknown>[] = [
        { apiVersion: CERT_MANAGER_API, kind: "ClusterIssuer", metadata: { name: ISSUERS.selfSigned }, spec: { selfSigned: {} } },
        {
            apiVersion: CERT_MANAGER_API,
            kind: "Certificate",
            metadata: { name: PLATFORM_CA_SECRET, namespace: ns },
            spec: {
                isCA: true,
                commonName: `${a.environment}-platform-ca`,
                secretName: PLATFORM_CA_SECRET,
                duration: "87600h", // 10 years; cert-manager renews at 2/3 of it
                privateKey: { algorithm: "ECDSA", size: 256 },
                // The domains of this platform and its ingress address, nothing else (lib/tls.ts).
                nameConstraints: caNameConstraints(a.caDomains, a.ingressAddress),
                issuerRef: { name: ISSUERS.selfSigned, kind: "ClusterIssuer", group: "cert-manager.io" },
            },
        },
        {
            apiVersion: CERT_MANAGER_API,
            kind: "ClusterIssuer",
            metadata: { name: ISSUERS.ca },
            spec: { ca: { secretName: PLATFORM_CA_SECRET } },
        },
        {
            apiVersion: CERT_MANAGER_API,
            kind: "Certificate",
            metadata: { name: DEFAULT_TLS_SECRET, namespace: ns },
            spec: {
                secretName: DEFAULT_TLS_SECRET,
                commonName: a.ingressAddress,
                ...(isIpAddress(a.ingressAddress) ? { ipAddresses: [a.ingressAddress] } : { dnsNames: [a.ingressAddress] }),
                duration: "2160h",
                renewBefore: "720h",
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                issuerRef: { name: ISSUERS.ca, kind: "ClusterIssuer", group: "cert-manager.io" },
            },
        },
    ];
    // Its own CA, so that no certificate for an in-cluster name is valid for a browser and no
    // platform certificate is valid inside: both CAs are name-constrained, to disjoint domains.
    const internalCa = {
        apiVersion: CERT_MANAGER_API,
        kind: "Certificate",
        metadata: { name: INTERNAL_CA_SECRET, namespace: ns },
        spec: {
            isCA: true,
            commonName: `${a.environment}-internal-ca`,
            secretName: INTERNAL_CA_SECRET,
            duration: "87600h",
            privateKey: { algorithm: "ECDSA", size: 256 },
            nameConstraints: { critical: true, permitted: { dnsDomains: [...INTERNAL_CA_DOMAINS] } },
            issuerRef: { name: ISSUERS.selfSigned, kind: "ClusterIssuer", group: "cert-manager.io" },
        },
    };
    const internalIssuer = {
        apiVersion: CERT_MANAGER_API,
        kind: "ClusterIssuer",
        metadata: { name: ISSUERS.internal },
        spec: { ca: { secretName: INTERNAL_CA_SECRET } },
    };
    if (a.acmeEmail) {
        objects.push({
            apiVersion: CERT_MANAGER_API,
            kind: "ClusterIssuer",
            metadata: { name: ISSUERS.acme },
            spec: {
                acme: {
                    email: a.acmeEmail,
                    server: a.acmeServer,
                    privateKeySecretRef: { name: `${ISSUERS.acme}-account-key` },
                    solvers: [{ http01: { ingress: { ingressClassName: a.ingressClass } } }],
                },
            },
        });
    }
    // Last, so the objects before keep the order (and dependencies) they were created with.
    objects.push(internalCa, internalIssuer);
    return objects;
}

/** The issuer for one host of this cluster (lib/tls.ts): ACME when configured, for DNS names. */
export function issuerFor(host: string | undefined, acme: boolean): string {
    return issuerForHost<string>(host, { ca: ISSUERS.ca, public: acme ? ISSUERS.acme : undefined });
}
