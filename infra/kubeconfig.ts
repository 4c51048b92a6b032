/** Pure rendering of the admin kubeconfig from the generated PKI; no node is contacted. */
import { stringify } from "yaml";

export interface KubeconfigInput {
    readonly clusterName: string;
    /** https://<address>:6443 */
    readonly server: string;
    readonly caCertPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
}

/**
 * The name the client checks the API certificate against. k3s puts `kubernetes` in every
 * server's certificate, so the kubeconfig does not need the floating IP in `tls-san`: a new
 * floating IP (another external network) changes the kubeconfig, not the servers.
 */
export const API_TLS_SERVER_NAME = "kubernetes";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

export function renderKubeconfig(input: KubeconfigInput): string {
    const user = `${input.clusterName}-admin`;
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: input.clusterName,
                cluster: {
                    server: input.server,
                    "certificate-authority-data": b64(input.caCertPem),
                    "tls-server-name": API_TLS_SERVER_NAME,
                },
            },
        ],
        users: [{ name: user, user: { "client-certificate-data": b64(input.clientCertPem), "client-key-data": b64(input.clientKeyPem) } }],
        contexts: [{ name: input.clusterName, context: { cluster: input.clusterName, user } }],
        "current-context": input.clusterName,
        preferences: {},
    });
}
