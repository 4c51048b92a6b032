/**
 * A throw-away PostgreSQL server for tests: initdb into a fresh temp dir, start it on a free
 * loopback port (unix socket in the temp dir), wait until pg_isready says it accepts connections,
 * create a database, and remove everything afterwards. As root (CI), the server binaries run as
 * the `postgres` user through `runuser`, since initdb refuses to run as root.
 *
 * Reusable: the frontend's browser test imports it by relative path.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client, type PoolConfig } from "pg";
import { postgresBinDir } from "../../../../tests/support/debian";

export interface PgServer {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    dir: string;
    /** pg.Pool/Client settings for `database` (or another one). */
    config(database?: string): PoolConfig;
    /** Environment for a child process (PGHOST, PGPORT, ...). */
    env(): Record<string, string>;
    /** Fast shutdown; resolves when the server has exited. */
    stop(): Promise<void>;
    /** Start again (same data, same port) and wait for readiness. */
    start(): Promise<void>;
    /** Stop (if running) and delete the temp dir. */
    destroy(): Promise<void>;
    /** CREATE DATABASE with a fresh unique name; returns the name. */
    createDatabase(prefix?: string): Promise<string>;
    running: boolean;
}

/** Highest installed PostgreSQL's bin dir, or PG_BIN. */
function findPgBin(): string {
    const bin = postgresBinDir();
    if (bin === undefined) throw new Error("PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)");
    return bin;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
    });
}

interface Runner {
    /** Argument vector that runs `bin` as the server's OS user. */
    argv(bin: string, args: string[]): [string, string[]];
    uid?: number;
    gid?: number;
}

function runner(): Runner {
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    if (!isRoot) return { argv: (bin, args) => [bin, args] };
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { argv: (bin, args) => ["runuser", ["-u", "postgres", "--", bin, ...args]], uid, gid };
}

/** Hands files to the server's OS user (as root, where the server runs as `postgres`; a no-op otherwise). */
export function ownByServerUser(...paths: string[]): void {
    const r = runner();
    if (r.uid !== undefined && r.gid !== undefined) for (const p of paths) fs.chownSync(p, r.uid, r.gid);
}

/** Argument vector that runs `bin` as the server's OS user (PgBouncer, like initdb, refuses root). */
export function asServerUser(bin: string, args: string[]): [string, string[]] {
    return runner().argv(bin, args);
}

function run(r: Runner, bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; output: string }> {
    const [cmd, argv] = r.argv(bin, args);
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code: code ?? -1, output }));
    });
}

async function runOk(r: Runner, bin: string, args: string[]): Promise<void> {
    const { code, output } = await run(r, bin, args);
    if (code !== 0) throw new Error(`${path.basename(bin)} ${args.join(" ")} failed (${code}): ${output}`);
}

/**
 * Polls `check` until it returns true, at most `timeoutMs`. Each round first awaits the check
 * itself (a real probe such as pg_isready); `intervalMs` only spaces the probes.
 */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000, intervalMs = 20): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check()) return;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

export interface StartOptions {
    database?: string;
    /** Further `postgres` arguments (e.g. `-c ssl=on`); files they name must be readable by the server's user (`ownByServerUser`). */
    serverArgs?: string[];
    /** The harness' own connections use TLS (for a server that refuses plain TCP); the certificate is not verified. */
    ssl?: boolean;
}

export async function startPostgres(options: StartOptions = {}): Promise<PgServer> {
    const bin = findPgBin();
    const r = runner();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "todo-pg-"));
    const dataDir = path.join(dir, "data");
    const socketDir = path.join(dir, "sock");
    const logFile = path.join(dir, "postgres.log");
    const pwFile = path.join(dir, "pwfile");
    fs.mkdirSync(socketDir);
    const user = "todo_test";
    const password = randomBytes(18).toString("base64url");
    const database = options.database ?? "todo_test";
    fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (r.uid !== undefined && r.gid !== undefined) {
        for (const p of [dir, socketDir, pwFile]) fs.chownSync(p, r.uid, r.gid);
    }

    const cleanupSync = () => {
        if (server.running) spawnSync(...r.argv(path.join(bin, "pg_ctl"), ["stop", "-D", dataDir, "-m", "immediate"]), { stdio: "ignore" });
        fs.rmSync(dir, { recursive: true, force: true });
    };
    process.once("exit", cleanupSync);

    try {
        await runOk(r, path.join(bin, "initdb"), [
            "-D",
            dataDir,
            "-U",
            user,
            `--pwfile=${pwFile}`,
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]);
    } catch (err) {
        // Not cleanupSync: `server` is not declared yet (reading it throws and hides this error), and nothing runs.
        process.off("exit", cleanupSync);
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
    fs.rmSync(pwFile);
    const port = await freePort();

    const pgIsReady = async () =>
        (await run(r, path.join(bin, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port), "-t", "2"])).code === 0;

    const server: PgServer = {
        host: "127.0.0.1",
        port,
        user,
        password,
        database,
        dir,
        running: false,
        createDatabase: async () => {
            throw new Error("not started");
        },
        config: (db = database) => ({
            host: "127.0.0.1",
            port,
            user,
            password,
            database: db,
            ...(options.ssl ? { ssl: { rejectUnauthorized: false } } : {}),
        }),
        env: () => ({ PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: database }),
        async start() {
            // -W: don't let pg_ctl wait; readiness is decided by pg_isready below.
            await runOk(r, path.join(bin, "pg_ctl"), [
                "start",
                "-W",
                "-D",
                dataDir,
                "-l",
                logFile,
                "-o",
                [
                    `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c ` +
                        `fsync=off -c full_page_writes=off -c synchronous_commit=off`,
                    ...(options.serverArgs ?? []),
                ].join(" "),
            ]);
            server.running = true;
            try {
                await waitFor(pgIsReady, `PostgreSQL on 127.0.0.1:${port} (log: ${logFile})`);
            } catch (err) {
                const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
                throw new Error(`${(err as Error).message}\n${log}`);
            }
        },
        async stop() {
            if (!server.running) return;
            // pg_ctl stop waits (by default) until the postmaster has exited.
            await runOk(r, path.join(bin, "pg_ctl"), ["stop", "-D", dataDir, "-m", "fast"]);
            server.running = false;
        },
        async destroy() {
            try {
                await server.stop();
            } finally {
                process.off("exit", cleanupSync);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };

    const createDb = async (name: string) => {
        const admin = new Client(server.config("postgres"));
        await admin.connect();
        try {
            await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        } finally {
            await admin.end();
        }
    };
    let dbCounter = 0;
    server.createDatabase = async (prefix = "t") => {
        const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${++dbCounter}_${randomBytes(3).toString("hex")}`;
        await createDb(name);
        return name;
    };

    try {
        await server.start();
        await createDb(database);
    } catch (err) {
        await server.destroy().catch(() => undefined);
        throw err;
    }
    return server;
}

let shared: Promise<PgServer> | undefined;

/**
 * One server per test process, shared by every test file that asks (each file makes its own
 * database with createDatabase). It is stopped and removed when the process exits.
 */
export function sharedPostgres(): Promise<PgServer> {
    shared ??= startPostgres();
    return shared;
}
