/**
 * Real certificates (made by the openssl CLI) shaped like a k3s server's: a server CA that signs
 * the API's serving certificate, whose SANs are the names and addresses k3s puts there
 * (`kubernetes`, `kubernetes.default…`, localhost, 127.0.0.1, ::1, the service IP) and never the
 * address a client outside dials (a floating IP); a separate client CA that signs the deploy
 * identity's certificate (`O=data-platform:deployers`, as infra/pki.ts makes it) and whose key
 * the API stand-in signs CSRs with; and an unrelated CA, to prove a wrong one is refused.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

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

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"];

export function makeK3sShapedPki(): K3sShapedPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-pki-"));
    try {
        // An empty config: only what the arguments say ends up in the certificates.
        const cnf = path.join(dir, "openssl.cnf");
        fs.writeFileSync(cnf, "[req]\ndistinguished_name = dn\n[dn]\n");
        const file = (name: string) => path.join(dir, name);
        const openssl = (args: string[]) => execFileSync("openssl", ["req", "-x509", "-config", cnf, ...EC, ...args], { stdio: "pipe" });
        const ca = (name: string) =>
            openssl(["-keyout", file(`${name}.key`), "-out", file(`${name}.crt`), "-subj", `/CN=${name}@1700000000`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        const leaf = (name: string, issuer: string, subj: string, ext: string[]) =>
            openssl(["-keyout", file(`${name}.key`), "-out", file(`${name}.crt`), "-subj", subj, "-CA", file(`${issuer}.crt`), "-CAkey", file(`${issuer}.key`), "-addext", "basicConstraints=critical,CA:FALSE", ...ext.flatMap((e) => ["-addext", e])]);
        ca("k3s-server-ca");
        ca("k3s-client-ca");
        ca("unrelated-ca");
        leaf("serving-kube-apiserver", "k3s-server-ca", "/CN=kube-apiserver", [`subjectAltName=${K3S_SERVING_SANS.join(",")}`, "extendedKeyUsage=serverAuth"]);
        leaf("client-admin", "k3s-client-ca", "/O=data-platform:deployers/CN=lab-k3s-deployer", ["extendedKeyUsage=clientAuth"]);
        const read = (name: string) => fs.readFileSync(file(name), "utf8");
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
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
