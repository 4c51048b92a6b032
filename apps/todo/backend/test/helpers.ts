/** Test helpers: a real app on a loopback port over a real database, and a small HTTP client. */
import type { Pool } from "pg";
import { createApp } from "../src/app";
import { createPool } from "../src/db";
import { createMetrics } from "../src/metrics";
import { migrate } from "../src/migrations";
import { type RunningServer, serve } from "../src/server";
import type { PgServer } from "./pg-harness";

export interface TestApp {
  url: string;
  pool: Pool;
  running: RunningServer;
  close(): Promise<void>;
}

export async function startTestApp(pg: PgServer, database: string): Promise<TestApp> {
  const pool = createPool({ ...pg.config(database), max: 8, connectionTimeoutMillis: 2000 });
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

/** `body`: an object is sent as JSON; a string is sent raw (with the given content type). */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = undefined;
  if ((res.headers.get("content-type") ?? "").includes("application/json") && text !== "") parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}
