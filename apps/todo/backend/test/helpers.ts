/** Test helpers: a real app on a loopback port over a real database, and a small HTTP client. */
import { Client, type Pool, type PoolConfig } from "pg";
import { createApp } from "../src/app";
import { createPool } from "../src/db";
import { createMetrics } from "../src/metrics";
import { migrate } from "../src/migrations";
import { type RunningServer, serve } from "../src/server";
import { type PgServer, waitFor } from "./pg-harness";

export interface TestApp {
    url: string;
    pool: Pool;
    running: RunningServer;
    close(): Promise<void>;
}

export async function startTestApp(pg: PgServer, database: string, poolConfig: PoolConfig = {}): Promise<TestApp> {
    const pool = createPool({ ...pg.config(database), max: 8, connectionTimeoutMillis: 2000, ...poolConfig });
    await migrate(pool);
    const app = createApp({ pool, metrics: createMetrics({ defaultMetrics: false, pool }) });
    const running = await serve({ handler: app, pool, port: 0, host: "127.0.0.1", shutdownTimeoutMs: 10_000 });
    return { url: `http://127.0.0.1:${running.port}`, pool, running, close: () => running.close() };
}

export interface Reply {
    status: number;
    headers: Headers;
    body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    text: string;
}

/** `body`: an object is sent as JSON; a string or bytes are sent raw (with the given content type). */
export async function call(
    base: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
): Promise<Reply> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
        // Bytes go as they are (e.g. deliberately invalid UTF-8); the cast bridges DOM and Node typings.
        init.body =
            typeof body === "string" || body instanceof Uint8Array ? (body as unknown as RequestInit["body"]) : JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await fetch(base + path, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    if ((res.headers.get("content-type") ?? "").includes("application/json") && text !== "") parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Holds an ACCESS EXCLUSIVE lock on todos, so any query on it blocks until release(). */
export async function lockTodos(pg: PgServer, database: string) {
    const client = new Client(pg.config(database));
    await client.connect();
    await client.query("BEGIN");
    await client.query("LOCK TABLE todos IN ACCESS EXCLUSIVE MODE");
    // This client stays inside its transaction, where pg_stat_activity is a snapshot taken at first
    // use: clear it before each look.
    const blockedQueries = async () =>
        (
            await client
                .query("SELECT pg_stat_clear_snapshot()")
                .then(() =>
                    client.query(
                        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname " +
                            "= $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
                        [database],
                    ),
                )
        ).rows[0].n as number;
    return {
        /** Waits (polling pg_stat_activity) until `n` queries are blocked on the lock. */
        waitForBlocked: (n = 1) => waitFor(async () => (await blockedQueries()) >= n, `${n} queries blocked on the todos lock`, 10_000),
        release: async () => {
            await client.query("COMMIT");
            await client.end();
        },
    };
}
