/**
 * TLS for the apps' ingresses. An existing Secret (`airflowTlsSecretName`/`todoTlsSecretName`)
 * wins; otherwise cert-manager issues `<app>-tls` through the cluster layer's ClusterIssuers:
 * the public (ACME) issuer for a DNS name, the platform CA for an IP address. A cluster stack
 * without cert-manager (older) leaves the ingress on plain HTTP, as before. Pure.
 */
import { CLUSTER_ISSUER_ANNOTATION, issuerForHost } from "../lib/tls";

export interface ClusterIssuers {
    readonly ca: string;
    readonly public: string;
}

export interface AppTls {
    readonly secretName: string;
    /** ClusterIssuer that fills the Secret; unset for an existing Secret. */
    readonly issuer?: string;
}

export function appTls(app: string, host: string, existingSecret: string | undefined, issuers: ClusterIssuers | undefined): AppTls | undefined {
    if (existingSecret) return { secretName: existingSecret };
    if (!issuers) return undefined;
    return { secretName: `${app}-tls`, issuer: issuerForHost(host, issuers) };
}

/** Ingress annotations that make cert-manager's ingress-shim issue the certificate. */
export function tlsAnnotations(tls: AppTls | undefined): Record<string, string> {
    return tls?.issuer ? { [CLUSTER_ISSUER_ANNOTATION]: tls.issuer } : {};
}
