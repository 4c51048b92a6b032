import assert from "node:assert/strict";
import http from "node:http";
import { startTestApp, type TestApp } from "./helpers";
import { sharedPostgres } from "./pg-harness";
import { requireDebianPackage } from "../../../../tests/support/debian";

interface LoadResult {
    requests: number;
    errors: number;
    seconds: number;
    rps: number;
    p50: number;
    p99: number;
    max: number;
}

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A bounded closed-loop load: `concurrency` workers share `total` requests over keep-alive
 * loopback connections; every request is timed. `pick(i)` chooses request i.
 */
async function load(
    port: number,
    total: number,
    concurrency: number,
    pick: (i: number) => { method: string; path: string; body?: string },
): Promise<LoadResult> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const latencies: number[] = [];
    let next = 0;
    let errors = 0;
    const one = (i: number) =>
        new Promise<void>((resolve) => {
            const { method, path, body } = pick(i);
            const started = process.hrtime.bigint();
            const req = http.request(
                {
                    host: "127.0.0.1",
                    port,
                    method,
                    path,
                    agent,
                    headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {},
                },
                (res) => {
                    res.resume();
                    res.on("end", () => {
                        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
                        if (res.statusCode === undefined || res.statusCode >= 400) errors++;
                        resolve();
                    });
                },
            );
            req.setTimeout(5000, () => req.destroy(new Error("timeout")));
            req.on("error", () => {
                errors++;
                resolve();
            });
            req.end(body);
        });
    const t0 = process.hrtime.bigint();
    await Promise.all(
        Array.from({ length: concurrency }, async () => {
            while (next < total) await one(next++);
        }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    return {
        requests: total,
        errors,
        seconds,
        rps: total / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1],
    };
}

describe("todo backend: bounded load run on loopback", function () {
    let app: TestApp;
    const seedIds: number[] = [];
    before(async function () {
        requireDebianPackage(this, "postgresql");
        this.timeout(60_000);
        const pg = await sharedPostgres();
        app = await startTestApp(pg, await pg.createDatabase("load"));
        for (let i = 0; i < 20; i++) {
            const { rows } = await app.pool.query("INSERT INTO todos (title) VALUES ($1) RETURNING id", [`seed ${i}`]);
            seedIds.push(rows[0].id);
        }
    });
    after(async () => {
        await app?.close();
    });

    it("serves 2000 requests (70% read one, 20% list, 10% create) at 8 concurrent with no errors and loses no write", async function () {
        this.timeout(30_000);
        const r = await load(app.running.port, 2000, 8, (i) => {
            const k = i % 10;
            if (k === 9) return { method: "POST", path: "/api/todos", body: JSON.stringify({ title: `load ${i}` }) };
            if (k >= 7) return { method: "GET", path: "/api/todos" };
            return { method: "GET", path: `/api/todos/${seedIds[i % seedIds.length]}` };
        });
        // Timing is printed, never asserted (speed is what npm run bench measures, as a ratio).
        console.log(
            `      load: ${r.requests} requests, 8 concurrent, ${r.seconds.toFixed(2)} s, ${r.rps.toFixed(0)} req/s, ` +
                `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, errors ${r.errors}`,
        );
        assert.equal(r.errors, 0);
        const { rows } = await app.pool.query("SELECT count(*)::int AS n FROM todos");
        assert.equal(rows[0].n, 20 + 200);
    });
});
