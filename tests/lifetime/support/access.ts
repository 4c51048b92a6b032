/**
 * How the host reaches the lifetime suite's clusters, the way an operator's machine reaches a
 * real one: a floating-IP-like TCP forwarder on the host (one stable address, passed on to
 * whichever server VM answers), and the admin kubeconfig the infra layer would render for it
 * (infra/kubeconfig.ts: `tls-server-name: kubernetes`, a client certificate from the cluster's
 * client CA). The marker object and the cluster identity are read and written through the
 * project's own lifecycle client (infra/lifecycle/kubeApi.ts).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { NodeSecrets } from "../../../infra/cloudinit";
import { parse, stringify } from "yaml";
import { renderKubeconfig } from "../../../infra/kubeconfig";
import { request, targetFromKubeconfig, KubeTarget } from "../../../infra/lifecycle/kubeApi";
import { tempDir } from "../../support/tempDir";

/** A free TCP port on the host's loopback (for QEMU's host forwards). */
export function freeTcpPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

/**
 * The host address that plays the API's floating IP: on the loopback network but not 127.0.0.1,
 * so, like a real floating IP, it is in no serving certificate (k3s' names 127.0.0.1): the
 * client must check the certificate against the kubeconfig's `tls-server-name`.
 */
export const FLOATING_ADDRESS = "127.0.0.2";

/** A connection to a host port, or undefined when it is refused. */
function openSocket(port: number): Promise<net.Socket | undefined> {
    return new Promise((resolve) => {
        const s = net.connect({ port, host: "127.0.0.1" });
        s.once("connect", () => resolve(s));
        s.once("error", () => resolve(undefined));
    });
}

/**
 * The floating IP of the suite: FLOATING_ADDRESS:<port> on the host, each connection passed to
 * the first server (in order) whose host-forwarded API port accepts it.
 */
export class ApiForwarder {
    private server?: net.Server;
    private readonly sockets = new Set<net.Socket>();
    /** Host ports of the servers' forwarded :6443, tried in this order. */
    backends: number[] = [];
    port = 0;

    async start(): Promise<number> {
        this.server = net.createServer((client) => {
            this.sockets.add(client);
            client.on("close", () => this.sockets.delete(client));
            client.on("error", () => client.destroy());
            void this.relay(client);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, FLOATING_ADDRESS, resolve));
        this.port = (this.server.address() as net.AddressInfo).port;
        return this.port;
    }

    /**
     * Passes the client to the first backend that answers it. QEMU accepts a forwarded port even
     * when nothing listens in the guest, then closes it: a backend that closes before its first
     * byte is skipped and what the client sent so far goes to the next one, as a real floating IP
     * reaches the server keepalived moved it to (a server whose API is gone loses the VIP).
     */
    private async relay(client: net.Socket): Promise<void> {
        const sent: Buffer[] = [];
        let candidate: net.Socket | undefined;
        const take = (chunk: Buffer) => {
            sent.push(chunk);
            candidate?.write(chunk);
        };
        client.on("data", take);
        // Whichever backend the client is on (or being tried) goes when the client does.
        client.on("close", () => candidate?.destroy());
        for (const port of [...this.backends]) {
            const upstream = await openSocket(port);
            if (!upstream) continue;
            if (client.destroyed) return void upstream.destroy();
            candidate = upstream;
            for (const chunk of sent) upstream.write(chunk);
            const first = await new Promise<Buffer | undefined>((resolve) => {
                upstream.once("data", (b: Buffer) => {
                    upstream.pause();
                    resolve(b);
                });
                upstream.once("close", () => resolve(undefined));
                upstream.once("error", () => resolve(undefined));
            });
            if (!first) {
                candidate = undefined;
                upstream.destroy();
                continue;
            }
            client.off("data", take);
            this.sockets.add(upstream);
            upstream.on("close", () => this.sockets.delete(upstream));
            upstream.on("error", () => client.destroy());
            client.write(first);
            client.pipe(upstream);
            upstream.pipe(client);
            return;
        }
        client.destroy();
    }

    close(): void {
        for (const s of this.sockets) s.destroy();
        this.server?.close();
    }
}

/** The admin kubeconfig for `server` (https://host:port), from the cluster's own client CA. */
export function adminKubeconfig(secrets: NodeSecrets, clusterName: string, server: string): string {
    const ca = secrets.ca;
    if (!ca) throw new Error("the cluster secrets carry no CA material");
    const dir = tempDir("lifetime-admin");
    try {
        const file = (name: string, content: string) => {
            const p = path.join(dir, name);
            fs.writeFileSync(p, content, { mode: 0o600 });
            return p;
        };
        const caCert = file("ca.crt", ca.clientCaCert);
        const caKey = file("ca.key", ca.clientCaKey);
        const key = path.join(dir, "admin.key");
        const csr = path.join(dir, "admin.csr");
        const crt = path.join(dir, "admin.crt");
        execFileSync(
            "openssl",
            [
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key,
                "-out",
                csr,
                "-subj",
                "/O=system:masters/CN=platform-admin",
            ],
            { stdio: "pipe" },
        );
        const ext = file(
            "ext.cnf",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
        );
        execFileSync(
            "openssl",
            ["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", crt],
            { stdio: "pipe" },
        );
        return renderKubeconfig({
            clusterName,
            server,
            caCertPem: ca.serverCaCert,
            clientCertPem: fs.readFileSync(crt, "utf8"),
            clientKeyPem: fs.readFileSync(key, "utf8"),
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The same kubeconfig without `tls-server-name`: the old client's view (a negative case). */
export function withoutServerName(kubeconfig: string): string {
    const doc = parse(kubeconfig) as { clusters: { cluster: Record<string, unknown> }[] };
    for (const c of doc.clusters) delete c.cluster["tls-server-name"];
    return stringify(doc);
}

export function targetOf(kubeconfig: string): KubeTarget {
    return targetFromKubeconfig(kubeconfig);
}

/** How long a read waits for an answer: under TCG the API can miss a request's 10 s deadline for minutes. */
const ANSWER_WAIT_MS = 5 * 60_000;

/**
 * A request through the project's client that waits for a real answer: no answer (a timeout, a
 * refused or reset connection) and 5xx (etcd timed out behind the API) are asked again every
 * 5 s for up to 5 min; any other answer (200, 404, 409…) is returned at once. A scenario that
 * found a busy API must not report a loss it did not see (a batched run's marker check once
 * did), nor fail a write it could not make yet (a prod run's Secret write once did).
 */
async function answered(target: KubeTarget, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
    const deadline = Date.now() + ANSWER_WAIT_MS;
    for (;;) {
        let last: string;
        try {
            const res = await request(target, method, path, body);
            if (res.status < 500 || Date.now() > deadline) return res;
            last = `HTTP ${res.status}`;
        } catch (err) {
            if (Date.now() > deadline) throw err;
            last = err instanceof Error ? err.message : String(err);
        }
        console.log(`      (${method} ${path}: ${last}; asking again)`);
        await new Promise((resolve) => setTimeout(resolve, 5000));
    }
}

const get = (target: KubeTarget, path: string) => answered(target, "GET", path);

/** An object `create` writes: a ConfigMap or a Secret with its data. */
interface NewObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string };
    readonly data: unknown;
}

/**
 * Creates an object (POST) and waits for a real answer. A create asked again after its answer
 * was lost finds its own object (409): read back, it counts as written when its data is the one
 * asked for; other data under that name is an error.
 */
async function create(target: KubeTarget, collection: string, object: NewObject, what: string): Promise<void> {
    const res = await answered(target, "POST", collection, object);
    if (res.status === 201) return;
    if (res.status === 409) {
        const back = await get(target, `${collection}/${object.metadata.name}`);
        if (back.status === 200 && isDeepStrictEqual((JSON.parse(back.body) as { data?: unknown }).data, object.data)) return;
    }
    throw new Error(`writing ${what}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
}

const MARKER_PATH = "/api/v1/namespaces/default/configmaps";

/** Writes the marker ConfigMap (`lifetime-marker`, data.value) through the API. */
export async function writeMarker(target: KubeTarget, value: string): Promise<void> {
    await create(
        target,
        MARKER_PATH,
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "lifetime-marker" }, data: { value } },
        "the marker",
    );
}

/** The marker's value, or undefined when the cluster has none (a new, empty cluster). */
export async function readMarker(target: KubeTarget): Promise<string | undefined> {
    const res = await get(target, `${MARKER_PATH}/lifetime-marker`);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`reading the marker: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    return (JSON.parse(res.body) as { data?: { value?: string } }).data?.value;
}

/** The cluster's identity: the kube-system namespace's uid (what `kubectl get ns kube-system` shows). */
export async function clusterId(target: KubeTarget): Promise<string> {
    const res = await get(target, "/api/v1/namespaces/kube-system");
    if (res.status !== 200) throw new Error(`reading kube-system: HTTP ${res.status}`);
    return (JSON.parse(res.body) as { metadata: { uid: string } }).metadata.uid;
}

/** Names of the cluster's Nodes. */
export async function nodeNames(target: KubeTarget): Promise<string[]> {
    const res = await get(target, "/api/v1/nodes");
    if (res.status !== 200) throw new Error(`listing nodes: HTTP ${res.status}`);
    return (JSON.parse(res.body) as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name).sort();
}

interface NodeJson {
    readonly metadata: { readonly labels?: Record<string, string>; readonly deletionTimestamp?: string };
    readonly status?: { readonly nodeInfo?: { readonly bootID?: string } };
}

/** A Node as the API returns it (undefined: no such Node). */
async function readNode(target: KubeTarget, name: string): Promise<NodeJson | undefined> {
    const res = await get(target, `/api/v1/nodes/${name}`);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`reading node ${name}: HTTP ${res.status}`);
    return JSON.parse(res.body) as NodeJson;
}

/** A Node's labels. */
export async function nodeLabels(target: KubeTarget, name: string): Promise<Record<string, string>> {
    const node = await readNode(target, name);
    if (!node) throw new Error(`reading node ${name}: HTTP 404`);
    return node.metadata.labels ?? {};
}

/** What a Node says of itself: its kubelet's boot ID, and whether it is being deleted (undefined: no such Node). */
export async function nodeBoot(target: KubeTarget, name: string): Promise<{ bootId?: string; deleting: boolean } | undefined> {
    const node = await readNode(target, name);
    return node && { bootId: node.status?.nodeInfo?.bootID, deleting: node.metadata.deletionTimestamp !== undefined };
}

const SECRET_PATH = "/api/v1/namespaces/default/secrets";
/** The Secret the suite writes beside the marker (encrypted at rest by kube-apiserver). */
export const SECRET_NAME = "lifetime-secret";

/** Writes the Secret `name` (data.value) through the API. */
export async function writeSecret(target: KubeTarget, value: string, name = SECRET_NAME): Promise<void> {
    const data = { value: Buffer.from(value).toString("base64") };
    await create(target, SECRET_PATH, { apiVersion: "v1", kind: "Secret", metadata: { name }, data }, "the Secret");
}

/**
 * The Secret's value; undefined when the cluster has none. A Secret the API server cannot decrypt
 * (another encryption key than it was written with) is answered with an error: thrown, with it.
 */
export async function readSecret(target: KubeTarget, name = SECRET_NAME): Promise<string | undefined> {
    const res = await get(target, `${SECRET_PATH}/${name}`);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`reading the Secret: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    const data = (JSON.parse(res.body) as { data?: { value?: string } }).data?.value;
    return data === undefined ? undefined : Buffer.from(data, "base64").toString();
}
