/**
 * Prometheus metrics: one registry per app instance (so tests can build many apps). HTTP requests
 * by method, route pattern and status; with a pool, its connection counts as gauges read at scrape
 * time (`todo_db_pool_total`, `todo_db_pool_idle`, `todo_db_pool_waiting`).
 */
import type { Pool } from "pg";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

type Labels = "method" | "route" | "status";

export interface HttpMetrics {
    registry: Registry;
    requests: Counter<Labels>;
    duration: Histogram<Labels>;
    /** Counts one finished request and its duration. */
    observe(method: string, route: string, status: number, seconds: number): void;
}

export interface MetricsOptions {
    /** Node.js process metrics (default true). */
    defaultMetrics?: boolean;
    /** The database pool whose connection counts are exported. */
    pool?: Pool;
}

export function createMetrics(options: MetricsOptions = {}): HttpMetrics {
    const registry = new Registry();
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    const requests = new Counter({
        name: "http_requests_total",
        help: "HTTP requests handled, by method, route pattern and status code.",
        labelNames: ["method", "route", "status"] as const,
        registers: [registry],
    });
    const duration = new Histogram({
        name: "http_request_duration_seconds",
        help: "HTTP request latency in seconds, by method, route pattern and status code.",
        labelNames: ["method", "route", "status"] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
    });
    if (options.pool) registerPoolGauges(registry, options.pool);

    const observe = (method: string, route: string, status: number, seconds: number) => {
        const labels = { method, route, status: String(status) };
        requests.inc(labels);
        duration.observe(labels, seconds);
    };
    return { registry, requests, duration, observe };
}

function registerPoolGauges(registry: Registry, pool: Pool): void {
    const gauge = (name: string, help: string, read: () => number) =>
        new Gauge({
            name,
            help,
            registers: [registry],
            collect() {
                this.set(read());
            },
        });
    gauge("todo_db_pool_total", "Database connections open in the pool (idle and in use).", () => pool.totalCount);
    gauge("todo_db_pool_idle", "Database connections open in the pool and idle.", () => pool.idleCount);
    gauge("todo_db_pool_waiting", "Requests waiting for a database connection from the pool.", () => pool.waitingCount);
}
