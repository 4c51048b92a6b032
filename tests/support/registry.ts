/**
 * A real OCI distribution registry (Debian's `docker-registry`, the distribution project's
 * registry binary) on a free loopback port with a temporary config and storage, optionally with
 * htpasswd (basic) auth, plus a push over the HTTP API (blob uploads and a manifest PUT), so
 * registry clients are tested against the registry itself.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { tempDir } from "./tempDir";

export interface RunningRegistry {
    /** `127.0.0.1:<port>` */
    readonly host: string;
    stop(): Promise<void>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Starts the registry and resolves once it logs that it listens (deadline 15 s). */
export async function startRegistry(opts: { htpasswd?: { username: string; password: string } } = {}): Promise<RunningRegistry> {
    const dir = tempDir("registry");
    const port = await freePort();
    let auth = "";
    if (opts.htpasswd) {
        // bcrypt is the only hash the registry accepts; htpasswd (apache2-utils) makes it.
        const made = spawnSync("htpasswd", ["-nbB", opts.htpasswd.username, opts.htpasswd.password], { encoding: "utf8" });
        if (made.status !== 0) throw new Error(`htpasswd failed: ${made.stderr}`);
        fs.writeFileSync(path.join(dir, "htpasswd"), made.stdout);
        auth = `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${path.join(dir, "htpasswd")}\n`;
    }
    const config = path.join(dir, "config.yml");
    fs.writeFileSync(
        config,
        [
            "version: 0.1",
            "log:\n  level: info",
            `storage:\n  filesystem:\n    rootdirectory: ${path.join(dir, "data")}`,
            `http:\n  addr: 127.0.0.1:${port}\n  secret: test-only-secret`,
            auth,
        ].join("\n"),
    );
    const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => fail(new Error(`registry did not listen within 15 s:\n${log}`)), 15000);
        const fail = (err: Error) => {
            clearTimeout(deadline);
            child.kill();
            reject(err);
        };
        const onData = (chunk: Buffer) => {
            log += chunk.toString();
            if (log.includes(`listening on 127.0.0.1:${port}`)) {
                clearTimeout(deadline);
                resolve();
            }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", onData);
        child.on("exit", (code) => fail(new Error(`registry exited (${code}):\n${log}`)));
    });
    return {
        host: `127.0.0.1:${port}`,
        stop: () =>
            new Promise<void>((resolve) => {
                const done = () => {
                    fs.rmSync(dir, { recursive: true, force: true });
                    resolve();
                };
                if (child.exitCode !== null) return done();
                child.once("exit", done);
                child.kill();
            }),
    };
}

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/**
 * Pushes a minimal OCI image (a config blob, one layer, the manifest) as `<name>:<tag>` over the
 * HTTP API; returns the manifest digest.
 */
export async function pushImage(host: string, name: string, tag: string, login?: { username: string; password: string }): Promise<string> {
    const auth: Record<string, string> = login
        ? { authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}` }
        : {};
    const upload = async (blob: Buffer) => {
        const started = await fetch(`http://${host}/v2/${name}/blobs/uploads/`, { method: "POST", headers: auth });
        if (started.status !== 202) throw new Error(`blob upload start: ${started.status} ${await started.text()}`);
        const location = new URL(started.headers.get("location")!, `http://${host}`);
        location.searchParams.set("digest", sha256(blob));
        const put = await fetch(location, { method: "PUT", headers: { ...auth, "content-type": "application/octet-stream" }, body: blob });
        if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
        return { digest: sha256(blob), size: blob.length };
    };
    const config = Buffer.from(
        JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: {} }),
    );
    const layer = Buffer.from(`layer of ${name}:${tag}`);
    const c = await upload(config);
    const l = await upload(layer);
    const manifest = Buffer.from(
        JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: { mediaType: "application/vnd.oci.image.config.v1+json", ...c },
            layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...l }],
        }),
    );
    const put = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/vnd.oci.image.manifest.v1+json" },
        body: manifest,
    });
    if (put.status !== 201) throw new Error(`manifest put: ${put.status} ${await put.text()}`);
    return sha256(manifest);
}
