/**
 * The platform's one rule for which ClusterIssuer signs a host's certificate, shared by the
 * cluster layer (Grafana, the issuers it publishes) and the apps layer (Airflow, Todo): a public
 * CA can only vouch for a DNS name, so an IP address — or a platform without ACME — gets the
 * platform's own CA. Pure.
 */
import { isIP } from "net";

/** The Ingress annotation through which cert-manager's ingress-shim issues a certificate. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

export function isIpAddress(host: string): boolean {
    return isIP(host.replace(/^\[(.*)\]$/, "$1")) !== 0;
}

/**
 * A name under one of the domains (the domain itself or a subdomain), as RFC 5280 name
 * constraints match a DNS name.
 */
export function withinDomains(host: string, domains: readonly string[]): boolean {
    const h = host.toLowerCase().replace(/\.$/, "");
    return domains.some((d) => h === d.toLowerCase() || h.endsWith(`.${d.toLowerCase()}`));
}

/**
 * Name constraints of the platform CA (cert-manager `spec.nameConstraints`, critical): DNS names
 * under `domains` only — none at all without domains (`invalid` is a reserved TLD no certificate
 * can use) — and IP addresses only the ingress address. A stolen CA key cannot then mint a
 * certificate a browser that imported the CA would accept for any other site.
 */
export function caNameConstraints(domains: readonly string[], ingressAddress: string): Record<string, unknown> {
    const ip = ingressAddress.replace(/^\[(.*)\]$/, "$1");
    return {
        critical: true,
        permitted: {
            dnsDomains: domains.length > 0 ? [...domains] : ["invalid"],
            ...(isIpAddress(ip) ? { ipRanges: [`${ip}/${isIP(ip) === 6 ? 128 : 32}`] } : {}),
        },
    };
}

/** The issuer for one host: the public (ACME) issuer for a DNS name when there is one, else the CA. */
export function issuerForHost<T extends string>(host: string | undefined, issuers: { readonly ca: T; readonly public?: T }): T {
    return issuers.public !== undefined && host !== undefined && !isIpAddress(host) ? issuers.public : issuers.ca;
}
