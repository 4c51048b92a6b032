/**
 * Turns a kubeconfig into what the lifecycle client dials, the way kubectl reads it: the
 * `current-context` names a context, the context names a cluster and a user. Everything the
 * client needs from those entries is honoured (server, `tls-server-name`, CA and client
 * certificate as data or file, bearer token); everything it cannot honour is refused by name,
 * so a kubeconfig never half-works. Verification of the API's certificate is never turned off.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface KubeTarget {
    /** https://<address>:<port> as dialled. */
    readonly server: string;
    /** The name the API's certificate is checked against (kubeconfig `tls-server-name`). */
    readonly serverName?: string;
    /** Trusted CA(s); without one, the system's roots (as kubectl does). */
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    /** Bearer token; never logged. */
    readonly token?: string;
}

export interface KubeconfigSource {
    /** Where relative file paths in the kubeconfig are resolved (kubectl: the kubeconfig's directory). */
    readonly baseDir?: string;
    readonly readFile?: (file: string) => Buffer;
}

type Entry = Record<string, unknown>;
interface Named {
    readonly name?: unknown;
    readonly [kind: string]: unknown;
}

/** Fields of a user entry that select an authentication this client does not implement. */
const UNSUPPORTED_USER = ["exec", "auth-provider", "username", "password", "as", "as-uid", "as-groups", "as-user-extra"];

function lookup(doc: Entry, list: "clusters" | "users" | "contexts", name: string, via: string): Entry {
    const entries = (Array.isArray(doc[list]) ? doc[list] : []) as Named[];
    const kind = list.slice(0, -1);
    const found = entries.find((e) => e?.name === name);
    if (!found) {
        const known = entries.map((e) => String(e?.name)).join(", ") || "none";
        throw new Error(`kubeconfig: ${via} names ${kind} "${name}", which is not in ${list} (known: ${known})`);
    }
    const body = found[kind];
    if (!body || typeof body !== "object") throw new Error(`kubeconfig: ${list} entry "${name}" has no ${kind} field`);
    return body as Entry;
}

function text(entry: Entry, key: string, where: string): string | undefined {
    const value = entry[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") throw new Error(`kubeconfig: ${where}.${key} must be a string`);
    return value;
}

/**
 * One of `<key>-data` (base64) or `<key>` (a file), as client-go allows; both at once is an
 * error in client-go's validation too.
 */
function material(entry: Entry, key: string, where: string, src: Required<KubeconfigSource>): Buffer | undefined {
    const data = text(entry, `${key}-data`, where);
    const file = text(entry, key, where);
    if (data && file) throw new Error(`kubeconfig: ${where} sets both ${key}-data and ${key}; keep one`);
    if (data) return Buffer.from(data, "base64");
    if (!file) return undefined;
    return readListed(path.resolve(src.baseDir, file), `${where}.${key}`, src);
}

function readListed(full: string, field: string, src: Required<KubeconfigSource>): Buffer {
    try {
        return src.readFile(full);
    } catch (err) {
        throw new Error(`kubeconfig: ${field} names ${full}, which cannot be read (${err instanceof Error ? err.message : String(err)})`);
    }
}

export function targetFromKubeconfig(kubeconfig: string, source: KubeconfigSource = {}): KubeTarget {
    const src = { baseDir: source.baseDir ?? process.cwd(), readFile: source.readFile ?? ((f: string) => fs.readFileSync(f)) };
    const doc = parse(kubeconfig) as Entry | null;
    if (!doc || typeof doc !== "object") throw new Error("kubeconfig: not a YAML mapping");
    const current = doc["current-context"];
    if (typeof current !== "string" || current === "") {
        throw new Error("kubeconfig: current-context is not set; it must name one of the contexts");
    }
    const context = lookup(doc, "contexts", current, "current-context");
    const clusterName = text(context, "cluster", `context "${current}"`);
    const userName = text(context, "user", `context "${current}"`);
    if (!clusterName) throw new Error(`kubeconfig: context "${current}" names no cluster`);
    const cluster = lookup(doc, "clusters", clusterName, `context "${current}"`);
    const user = userName ? lookup(doc, "users", userName, `context "${current}"`) : {};
    const where = `cluster "${clusterName}"`;
    const userWhere = `user "${userName}"`;

    const server = text(cluster, "server", where);
    if (!server) throw new Error(`kubeconfig: ${where} has no server address`);
    let url: URL;
    try {
        url = new URL(server);
    } catch {
        throw new Error(`kubeconfig: ${where}.server "${server}" is not a URL; expected https://<host>:<port>`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
        throw new Error(`kubeconfig: ${where}.server must be https://…, got ${url.protocol}`);
    const skip = cluster["insecure-skip-tls-verify"];
    if (skip === true || skip === "true") {
        throw new Error(
            `kubeconfig: ${where} sets insecure-skip-tls-verify; the lifecycle client never turns certificate verification ` +
                `off (give certificate-authority-data and, if the address is not in the certificate, tls-server-name)`,
        );
    }
    if (text(cluster, "proxy-url", where)) {
        throw new Error(
            `kubeconfig: ${where} sets proxy-url, which the lifecycle client does not support; ` +
                `run pulumi up from a machine in adminCidrs that reaches the API directly`,
        );
    }
    for (const key of UNSUPPORTED_USER) {
        if (user[key] !== undefined)
            throw new Error(
                `kubeconfig: ${userWhere} sets ${key}, which the lifecycle client does not support; use a client certificate or a token`,
            );
    }

    const cert = material(user, "client-certificate", userWhere, src);
    const key = material(user, "client-key", userWhere, src);
    if (Boolean(cert) !== Boolean(key))
        throw new Error(`kubeconfig: ${userWhere} has a client ${cert ? "certificate without a key" : "key without a certificate"}`);
    let token = text(user, "token", userWhere);
    const tokenFile = text(user, "tokenFile", userWhere);
    if (!token && tokenFile)
        token = readListed(path.resolve(src.baseDir, tokenFile), `${userWhere}.tokenFile`, src).toString("utf8").trim();

    return {
        server,
        serverName: text(cluster, "tls-server-name", where),
        ca: material(cluster, "certificate-authority", where, src),
        cert,
        key,
        token,
    };
}
