/**
 * The host side of the bootstrap-data tests (wrapperToken.services.ts): a data directory with
 * the wrapper's files, etcd as a STAND-IN (a JSON file behind an `etcdctl` script), the wrapper's
 * bootstrapdata.py run against it, and k3s' own decrypt to read what it stored.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { createDecipheriv, createHash, pbkdf2Sync } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { OpensslPki } from "../../support/opensslPki";
import { tempDir } from "../../support/tempDir";

export const WRAPPER = path.join(__dirname, "..", "parts", "wrapper");
/** STAND-IN for etcdctl: the key-value and member calls the wrapper makes, on a JSON file (an added member is unstarted: no name). */
const FAKE_ETCDCTL = `#!/usr/bin/env python3
import base64, json, os, sys
db = os.environ["FAKE_ETCD"]
data = json.load(open(db)) if os.path.exists(db) else {}
args = [a for a in sys.argv[1:] if not a.startswith("--") or a == "--prefix"]
args = [a for i, a in enumerate(args) if a != "-w" and (i == 0 or args[i - 1] != "-w")]
with open(db + ".calls", "a") as calls:
    calls.write(" ".join(args[:2]) + "\\n")
if args[0] == "get":
    key = [a for a in args[1:] if a != "--prefix"][0]
    kvs = [{"key": base64.b64encode(k.encode()).decode(), "value": v, "mod_revision": 1}
           for k, v in sorted(data.items()) if (k.startswith(key) if "--prefix" in args else k == key)]
    print(json.dumps({"kvs": kvs} if kvs else {}))
elif args[0] == "put":
    data[args[1]] = base64.b64encode(sys.stdin.buffer.read()).decode()
elif args[0] == "del":
    data.pop(args[1], None)
elif args[0:2] == ["member", "list"]:
    print(json.dumps({"members": data.get("__members__", [])}))
elif args[0:2] == ["member", "add"]:
    url = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--peer-urls=")][0]
    members = data.setdefault("__members__", [])
    if any(url in m["peerURLs"] for m in members):
        sys.exit("Error: etcdserver: Peer URLs already exists")
    members.append({"ID": len(members) + 1, "name": "", "peerURLs": [url], "isLearner": True})
else:
    sys.exit("stand-in etcdctl: " + args[0] + " is not supported")
json.dump(data, open(db, "w"))
`;

export interface Cluster {
    readonly dir: string;
    readonly tls: string;
    readonly env: NodeJS.ProcessEnv;
    /** etcd's bootstrap keys → stored value (as k3s stores it). */
    keys(): Record<string, string>;
    /** The stand-in's whole store (members included), as JSON text. */
    keysRaw(): string;
    /** How many reads (`etcdctl get`) the stand-in has answered so far. */
    reads(): number;
}

export function cluster(): Cluster {
    const dir = tempDir("k3s-bootstrap");
    const tls = path.join(dir, "tls");
    fs.mkdirSync(path.join(tls, "etcd"), { recursive: true });
    fs.writeFileSync(path.join(dir, "etcdctl"), FAKE_ETCDCTL, { mode: 0o755 });
    fs.writeFileSync(path.join(tls, "encryption-config.json"), '{"kind":"EncryptionConfiguration","key":"first"}');
    const db = path.join(dir, "etcd.json");
    const env = { ...process.env, ETCDCTL: path.join(dir, "etcdctl"), FAKE_ETCD: db };
    return {
        dir,
        tls,
        env,
        keysRaw: () => fs.readFileSync(db, "utf8"),
        reads: () =>
            fs.existsSync(`${db}.calls`)
                ? fs
                      .readFileSync(`${db}.calls`, "utf8")
                      .split("\n")
                      .filter((l) => l.startsWith("get")).length
                : 0,
        keys: () =>
            Object.fromEntries(
                Object.entries(fs.existsSync(db) ? (JSON.parse(fs.readFileSync(db, "utf8")) as Record<string, string>) : {})
                    .filter(([k]) => k !== "__members__")
                    .map(([k, v]) => [k, Buffer.from(v, "base64").toString()]),
            ),
    };
}

/** bootstrapdata.py CMD with `secret` as the server token; its exit code and stderr. */
export function bootstrapData(c: Cluster, cmd: "save" | "load", secret: string): { rc: number; err: string } {
    const run = spawnSync("python3", [path.join(WRAPPER, "bootstrapdata.py"), cmd, c.tls], {
        env: { ...c.env, K3S_TOKEN_SECRET: secret },
        encoding: "utf8",
    });
    return { rc: run.status ?? -1, err: run.stderr };
}

/** k3s' decrypt (pkg/cluster/encrypt.go), here: PBKDF2-SHA1 4096 rounds, AES-256-GCM. */
export function k3sDecrypt(secret: string, stored: string): string {
    const [salt, body] = [stored.slice(0, stored.indexOf(":")), stored.slice(stored.indexOf(":") + 1)];
    const raw = Buffer.from(body, "base64");
    const decipher = createDecipheriv("aes-256-gcm", pbkdf2Sync(secret, salt, 4096, 32, "sha1"), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString();
}

export const keyOf = (secret: string) => `/bootstrap/${createHash("sha256").update(secret).digest("hex").slice(0, 12)}`;
export const encryptionConfig = (c: Cluster) => fs.readFileSync(path.join(c.tls, "encryption-config.json"), "utf8");

/** The cluster's CAs (k3s' file names) and the wrapper's own leaves from them (pki.sh) for `node`; the server CA's hash. */
export function clusterPki(c: Cluster, node = "node-a"): string {
    const pki = new OpensslPki({ dir: c.tls });
    for (const ca of ["server-ca", "client-ca", "request-header-ca", "etcd/server-ca", "etcd/peer-ca"])
        pki.ca(ca, {
            subject: `/CN=${ca.replace("/", "-")}`,
            extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
        });
    execFileSync("bash", ["-c", `. "$1" && server_certs "$2" ${node} 127.0.0.1 ""`, "sh", path.join(WRAPPER, "pki.sh"), c.tls]);
    return createHash("sha256")
        .update(fs.readFileSync(path.join(c.tls, "server-ca.crt")))
        .digest("hex");
}

/** The supervisor's config file for `c` (k3s' node `node-a`, member `node-a-0`); `extra` overrides. */
export function supervisorConfig(c: Cluster, extra: Record<string, unknown>): string {
    const cfg = path.join(c.dir, "supervisor.json");
    fs.writeFileSync(
        cfg,
        JSON.stringify({
            tls: c.tls,
            bin: c.dir,
            lib: WRAPPER,
            nodeName: "node-a",
            nodeIp: "127.0.0.1",
            memberName: "node-a-0",
            secrets: { server: "old-secret", node: "agent-secret" },
            address: "127.0.0.1",
            controller: false,
            ...extra,
        }),
    );
    return cfg;
}

/** The supervisor (supervisor.py) started on `cfg`, once it listens; its stderr lines go to `log`. */
export function startSupervisor(c: Cluster, cfg: string, log: (line: string) => void = () => undefined): Promise<ChildProcess> {
    const proc = spawn("python3", [path.join(WRAPPER, "supervisor.py"), cfg], { env: c.env, stdio: ["ignore", "ignore", "pipe"] });
    return new Promise<ChildProcess>((resolve, reject) => {
        let err = "";
        proc.stderr!.on("data", (d: Buffer) => {
            err += d.toString();
            for (const line of d.toString().split("\n").filter(Boolean)) log(line);
            if (err.includes("listening")) resolve(proc);
        });
        proc.on("exit", (code) => reject(new Error(`supervisor exited ${code}: ${err}`)));
    });
}
