/**
 * Real certificates (made by the openssl CLI) shaped like a k3s server's: a server CA that signs
 * the API's serving certificate, whose SANs are the names and addresses k3s puts there
 * (`kubernetes`, `kubernetes.default…`, localhost, 127.0.0.1, ::1, the service IP) and never the
 * address a client outside dials (a floating IP); a separate client CA that signs the deploy
 * identity's certificate (`O=data-platform:deployers`, as infra/pki.ts makes it) and whose key
 * the API stand-in signs CSRs with; and an unrelated CA, to prove a wrong one is refused.
 */
import { OpensslPki } from "./opensslPki";

export interface K3sShapedPki {
    readonly serverCaPem: string;
    readonly serverCertPem: string;
    readonly serverKeyPem: string;
    readonly clientCaPem: string;
    readonly clientCaKeyPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
    /** A CA that signed nothing here. */
    readonly otherCaPem: string;
}

export const K3S_SERVING_SANS = [
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
    "DNS:localhost",
    "IP:127.0.0.1",
    "IP:0:0:0:0:0:0:0:1",
    "IP:10.43.0.1",
];

export function makeK3sShapedPki(): K3sShapedPki {
    const pki = new OpensslPki({ prefix: "k3s-pki-" });
    try {
        const ca = (name: string) =>
            pki.ca(name, {
                subject: `/CN=${name}@1700000000`,
                extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
            });
        const leaf = (name: string, issuer: string, subject: string, ext: string[]) =>
            pki.leaf(name, issuer, { subject, extensions: ["basicConstraints=critical,CA:FALSE", ...ext] });
        ca("k3s-server-ca");
        ca("k3s-client-ca");
        ca("unrelated-ca");
        leaf("serving-kube-apiserver", "k3s-server-ca", "/CN=kube-apiserver", [
            `subjectAltName=${K3S_SERVING_SANS.join(",")}`,
            "extendedKeyUsage=serverAuth",
        ]);
        leaf("client-admin", "k3s-client-ca", "/O=data-platform:deployers/CN=lab-k3s-deployer", ["extendedKeyUsage=clientAuth"]);
        const read = (name: string) => pki.read(name);
        return {
            serverCaPem: read("k3s-server-ca.crt"),
            serverCertPem: read("serving-kube-apiserver.crt"),
            serverKeyPem: read("serving-kube-apiserver.key"),
            clientCaPem: read("k3s-client-ca.crt"),
            clientCaKeyPem: read("k3s-client-ca.key"),
            clientCertPem: read("client-admin.crt"),
            clientKeyPem: read("client-admin.key"),
            otherCaPem: read("unrelated-ca.crt"),
        };
    } finally {
        pki.dispose();
    }
}
