/**
 * STAND-IN for the Kubernetes API, served over real TLS: the TLS is the real thing (Node's https
 * server with a k3s-shaped serving certificate, client certificates required and checked against
 * the client CA, as kube-apiserver does), the API behind it is only what the readiness gate and
 * `npm run status` read (/readyz and the node list: Ready, cordon, kubelet version, zone label)
 * and what the Helm release preflight reads (a namespace's Secrets,
 * filtered by an equality label selector, as Helm's release records are), and a Node's merge-patched
 * annotations and finalizers (what k3s' managed-etcd controller writes). It records who connected (the client certificate's subject, the
 * SNI name, whether a bearer token came), the method and how many TLS connections were opened, so a test can tell what the client
 * presented, whether it only read, and whether it kept its connection.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { AddressInfo } from "node:net";
import { TLSSocket } from "node:tls";
import { K3sShapedPki } from "./k3sShapedPki";
import { tempDir } from "./tempDir";

export interface StandInRequest {
    readonly method: string;
    readonly path: string;
    readonly clientSubject?: string;
    readonly sni?: string;
    readonly bearer: boolean;
}

/** A Secret as the stand-in serves it (metadata only: the release preflight reads the labels). */
export interface StandInSecret {
    readonly namespace: string;
    readonly name: string;
    readonly labels: Record<string, string>;
}

/** A Helm release record's Secret as Helm names and labels it (storage driver `secret`). */
export function helmReleaseSecret(namespace: string, release: string, revision: number, status: string): StandInSecret {
    return {
        namespace,
        name: `sh.helm.release.v1.${release}.v${revision}`,
        labels: { owner: "helm", name: release, status, version: String(revision) },
    };
}

/** `a=b,c=d` (the only selector form the clients here send) against a label set. */
function matches(selector: string, labels: Record<string, string>): boolean {
    return selector
        .split(",")
        .filter(Boolean)
        .every((term) => {
            const [k, v] = term.split("=");
            return labels[k] === v;
        });
}

/** A CertificateSigningRequest as stored by the stand-in. */
export interface StandInCsr {
    object: {
        metadata: { name: string };
        spec: { request: string; signerName: string; expirationSeconds?: number; usages: string[] };
        status?: { certificate?: string; conditions?: { type: string; status: string; message?: string }[] };
    };
    /** GETs after approval before the certificate appears. */
    pollsUntilSigned: number;
}

/** Signs a PEM CSR with the client CA, as a client certificate (the openssl CLI). */
function signClientCert(pki: StandInPki, csrPem: string): string {
    const dir = tempDir("stand-in-signer");
    try {
        const file = (name: string, text: string) => (fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 }), path.join(dir, name));
        const ext = file(
            "ext.cnf",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
        );
        return execFileSync(
            "openssl",
            [
                "x509",
                "-req",
                "-in",
                file("req.csr", csrPem),
                "-CA",
                file("ca.crt", pki.clientCaPem),
                "-CAkey",
                file("ca.key", pki.clientCaKeyPem),
                "-set_serial",
                "7",
                "-days",
                "1",
                "-extfile",
                ext,
            ],
            { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const CSR_API = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

/** A Node as the stand-in keeps it. */
export interface StandInNode {
    name: string;
    ready: boolean;
    unschedulable?: boolean;
    kubeletVersion?: string;
    zone?: string;
    annotations?: Record<string, string>;
    finalizers?: string[];
}

/** The Node object as the API returns it. */
function nodeObject(n: StandInNode) {
    return {
        metadata: {
            name: n.name,
            labels: n.zone ? { "topology.kubernetes.io/zone": n.zone } : {},
            annotations: n.annotations ?? {},
            finalizers: n.finalizers ?? [],
        },
        spec: n.unschedulable ? { unschedulable: true } : {},
        status: {
            conditions: [{ type: "Ready", status: n.ready ? "True" : "False" }],
            nodeInfo: { kubeletVersion: n.kubeletVersion ?? "" },
        },
    };
}

/** A JSON merge patch of a Node's annotations and finalizers (the only fields the clients here patch). */
function patchNode(n: StandInNode, body: string): void {
    const patch = JSON.parse(body) as { metadata?: { annotations?: Record<string, string>; finalizers?: string[] } };
    n.annotations = { ...n.annotations, ...patch.metadata?.annotations };
    n.finalizers = patch.metadata?.finalizers ?? n.finalizers;
}

/** Calls `handle` with the request's whole body once it has arrived. */
function withBody(req: import("node:http").IncomingMessage, handle: (body: string) => void): void {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => handle(body));
}

/** The pieces of a k3s-shaped PKI the stand-in serves with (and signs CSRs with). */
export type StandInPki = Pick<K3sShapedPki, "serverKeyPem" | "serverCertPem" | "clientCaPem" | "clientCaKeyPem">;

export class KubeApiStandIn {
    /** /readyz answers 503 this many times before 200, like an API still starting. */
    notReadyFor = 1;
    nodes: StandInNode[] = [];
    secrets: StandInSecret[] = [];
    readonly csrs = new Map<string, StandInCsr>();
    /** Every CSR ever created (deleted ones too), for the test to inspect. */
    readonly csrHistory: StandInCsr["object"][] = [];
    /** Set to answer approved CSRs with a Failed condition instead of a certificate. */
    signerFailure?: string;
    readonly requests: StandInRequest[] = [];
    /** TLS connections accepted so far. */
    connections = 0;
    private readonly server: https.Server;

    constructor(pki: StandInPki) {
        this.server = https.createServer(
            { key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.clientCaPem, requestCert: true, rejectUnauthorized: true },
            (req, res) => {
                const socket = req.socket as TLSSocket;
                const subject = socket.getPeerCertificate().subject;
                this.requests.push({
                    method: req.method ?? "",
                    path: req.url ?? "",
                    clientSubject: subject ? `O=${subject.O},CN=${subject.CN}` : undefined,
                    sni: (socket as TLSSocket & { servername?: string | false }).servername || undefined,
                    bearer: /^Bearer \S+$/.test(req.headers.authorization ?? ""),
                });
                const send = (status: number, body: unknown) => {
                    res.writeHead(status, { "Content-Type": "application/json" });
                    res.end(JSON.stringify(body));
                };
                if (req.url?.startsWith(CSR_API)) return this.csrApi(pki, req, send);
                if (req.url === "/readyz") return this.notReadyFor-- > 0 ? send(503, "not ready") : send(200, "ok");
                if (req.url === "/api/v1/nodes") return send(200, { items: this.nodes.map(nodeObject) });
                const one = /^\/api\/v1\/nodes\/([^/?]+)$/.exec(req.url ?? "");
                if (one) return this.nodeApi(decodeURIComponent(one[1]), req, send);
                const url = new URL(req.url ?? "/", "https://stand-in");
                const list = /^\/api\/v1\/namespaces\/([^/]+)\/secrets$/.exec(url.pathname);
                if (req.method === "GET" && list) {
                    const selector = url.searchParams.get("labelSelector") ?? "";
                    const items = this.secrets.filter((s) => s.namespace === decodeURIComponent(list[1]) && matches(selector, s.labels));
                    return send(200, {
                        kind: "SecretList",
                        apiVersion: "v1",
                        items: items.map((s) => ({
                            metadata: { name: s.name, namespace: s.namespace, labels: s.labels },
                            type: "helm.sh/release.v1",
                        })),
                    });
                }
                send(404, { kind: "Status", code: 404 });
            },
        );
        this.server.on("secureConnection", () => this.connections++);
    }

    private nodeApi(name: string, req: import("node:http").IncomingMessage, send: (status: number, body: unknown) => void): void {
        withBody(req, (body) => {
            const node = this.nodes.find((n) => n.name === name);
            if (!node) return send(404, { kind: "Status", code: 404 });
            if (req.method === "PATCH") patchNode(node, body);
            else if (req.method !== "GET") return send(405, { kind: "Status", code: 405 });
            send(200, nodeObject(node));
        });
    }

    private csrApi(pki: StandInPki, req: import("node:http").IncomingMessage, send: (status: number, body: unknown) => void): void {
        const [, name, sub] = /^[^?]*?certificatesigningrequests(?:\/([^/?]+))?(?:\/([^/?]+))?/.exec(req.url ?? "") ?? [];
        withBody(req, (body) => {
            const csr = name ? this.csrs.get(name) : undefined;
            if (req.method === "POST" && !name) {
                const object = JSON.parse(body) as StandInCsr["object"];
                if (this.csrs.has(object.metadata.name)) return send(409, { kind: "Status", code: 409 });
                this.csrs.set(object.metadata.name, { object, pollsUntilSigned: 1 });
                this.csrHistory.push(object);
                return send(201, { ...object, metadata: { ...object.metadata, resourceVersion: "1" } });
            }
            if (!csr) return send(404, { kind: "Status", code: 404 });
            if (req.method === "PUT" && sub === "approval") {
                csr.object.status = { conditions: (JSON.parse(body) as StandInCsr["object"]).status?.conditions ?? [] };
                return send(200, csr.object);
            }
            if (req.method === "GET" && !sub) {
                const approved = csr.object.status?.conditions?.some((c) => c.type === "Approved" && c.status === "True");
                if (approved && !csr.object.status?.certificate && csr.pollsUntilSigned-- <= 0) {
                    if (this.signerFailure)
                        csr.object.status!.conditions!.push({ type: "Failed", status: "True", message: this.signerFailure });
                    else
                        csr.object.status!.certificate = Buffer.from(
                            signClientCert(pki, Buffer.from(csr.object.spec.request, "base64").toString()),
                        ).toString("base64");
                }
                return send(200, csr.object);
            }
            if (req.method === "DELETE" && !sub) {
                this.csrs.delete(name!);
                return send(200, { kind: "Status", status: "Success" });
            }
            send(405, { kind: "Status", code: 405 });
        });
    }

    /** Listens on `host` (choose an address that is not in the certificate) and returns its https URL. */
    async start(host: string): Promise<string> {
        await new Promise<void>((resolve, reject) => {
            this.server.once("error", reject);
            this.server.listen(0, host, resolve);
        });
        return `https://${host}:${(this.server.address() as AddressInfo).port}`;
    }

    /** Closes every open connection (as an API restart would); the server keeps listening. */
    dropConnections(): void {
        this.server.closeAllConnections();
    }

    stop(): Promise<void> {
        this.server.closeAllConnections();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}
