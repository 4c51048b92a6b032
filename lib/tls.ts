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

/** The issuer for one host: the public (ACME) issuer for a DNS name when there is one, else the CA. */
export function issuerForHost<T extends string>(host: string | undefined, issuers: { readonly ca: T; readonly public?: T }): T {
    return issuers.public !== undefined && host !== undefined && !isIpAddress(host) ? issuers.public : issuers.ca;
}
