/**
 * Configuration from the environment. Pure: takes an env object, returns settings or throws a
 * message that never contains the database password.
 */
import type { PoolConfig } from "pg";

export interface Config {
    port: number;
    host: string;
    /** Passed to pg.Pool as-is. */
    db: PoolConfig;
    /** Longest a graceful shutdown waits for in-flight requests before closing their sockets. */
    shutdownTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    if (!/^[0-9]+$/.test(raw)) throw new Error(`${name} must be an integer, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
}

export function loadConfig(env: Env = process.env): Config {
    const port = intFrom(env, "PORT", 3001, 1, 65535);
    const host = env.HOST && env.HOST !== "" ? env.HOST : "0.0.0.0";
    const common: PoolConfig = {
        max: intFrom(env, "PGPOOL_MAX", 10, 1, 1000),
        connectionTimeoutMillis: intFrom(env, "PG_CONNECT_TIMEOUT_MS", 3000, 1, 600_000),
        idleTimeoutMillis: 30_000,
        statement_timeout: intFrom(env, "PG_STATEMENT_TIMEOUT_MS", 10_000, 1, 3_600_000),
        application_name: "todo-backend",
    };
    let db: PoolConfig;
    if (env.DATABASE_URL) {
        try {
            new URL(env.DATABASE_URL);
        } catch {
            throw new Error("DATABASE_URL is not a valid URL");
        }
        db = { ...common, connectionString: env.DATABASE_URL };
    } else {
        // pg reads PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE itself; name them here so the
        // settings are explicit and testable.
        db = {
            ...common,
            host: env.PGHOST || "localhost",
            port: intFrom(env, "PGPORT", 5432, 1, 65535),
            user: env.PGUSER || "todo",
            password: env.PGPASSWORD,
            database: env.PGDATABASE || "todo",
        };
    }
    return { port, host, db, shutdownTimeoutMs: intFrom(env, "SHUTDOWN_TIMEOUT_MS", 15_000, 0, 600_000) };
}

/** Where the database is, for logs: user@host:port/db, never the password. */
export function describeDb(db: PoolConfig): string {
    if (db.connectionString) {
        const url = new URL(db.connectionString);
        const user = decodeURIComponent(url.username);
        return `${user ? `${user}@` : ""}${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
    }
    return `${db.user ?? ""}@${db.host ?? ""}:${db.port ?? ""}/${db.database ?? ""}`;
}
