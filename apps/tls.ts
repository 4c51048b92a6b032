/**
 * TLS for the apps' ingresses. An existing Secret (`airflowTlsSecretName`/`todoTlsSecretName`)
 * wins; otherwise cert-manager issues `<app>-tls` through the cluster layer's ClusterIssuers:
 * the public (ACME) issuer for a DNS name, the platform CA for an IP address. A cluster stack
 * without cert-manager (older) leaves the ingress on plain HTTP, as before. Pure.
 */
import { CLUSTER_ISSUER_ANNOTATION, isIpAddress, issuerForHost, withinDomains } from "../lib/tls";

export interface ClusterIssuers {
    readonly ca: string;
    readonly public: string;
    /** The platform CA's name constraints (cluster `platformCaDomains`); unset: an older cluster stack. */
    readonly caDomains?: readonly string[];
    /** In-cluster Service names (e.g. Airflow's database); unset: an older cluster stack. */
    readonly internal?: string;
}

export interface AppTls {
    readonly secretName: string;
    /** ClusterIssuer that fills the Secret; unset for an existing Secret. */
    readonly issuer?: string;
}

export function appTls(
    app: string,
    host: string,
    existingSecret: string | undefined,
    issuers: ClusterIssuers | undefined,
): AppTls | undefined {
    if (existingSecret) return { secretName: existingSecret };
    if (!issuers) return undefined;
    const issuer = issuerForHost(host, issuers);
    // The CA's name constraints would make its certificate for this host invalid in every client.
    if (issuer === issuers.ca && issuers.caDomains !== undefined && !isIpAddress(host) && !withinDomains(host, issuers.caDomains)) {
        throw new Error(
            `${app}Host "${host}" would get a platform-CA certificate, but the platform ` +
                `CA may only sign names under ${JSON.stringify(issuers.caDomains)}: ` +
                `add its domain to the cluster stack's platformCaDomains, configure ACME there (acmeEmail), or set ${app}TlsSecretName`,
        );
    }
    return { secretName: `${app}-tls`, issuer };
}

/** Ingress annotations that make cert-manager's ingress-shim issue the certificate. */
export function tlsAnnotations(tls: AppTls | undefined): Record<string, string> {
    return tls?.issuer ? { [CLUSTER_ISSUER_ANNOTATION]: tls.issuer } : {};
}
