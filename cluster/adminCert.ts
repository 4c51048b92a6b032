/** When the client certificate in infra's kubeconfig (the deploy identity) expires. Pure. */
import { X509Certificate } from "node:crypto";
import { parse } from "yaml";

/** notAfter of the first user's client certificate, in Unix seconds; undefined when there is none to read. */
export function clientCertNotAfter(kubeconfig: string): number | undefined {
    try {
        const doc = parse(kubeconfig) as { users?: { user?: Record<string, string> }[] };
        const data = doc?.users?.[0]?.user?.["client-certificate-data"];
        if (typeof data !== "string") return undefined;
        const cert = new X509Certificate(Buffer.from(data, "base64"));
        const t = Date.parse(cert.validTo);
        return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
    } catch {
        return undefined;
    }
}
