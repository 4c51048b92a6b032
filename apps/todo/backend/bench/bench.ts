/**
 * `npm run bench`: the service (src/main.ts, everything it does in production) against a minimal
 * raw `pg` + `node:http` server doing the same queries (raw-server.ts), side by side in one run on a
 * throw-away PostgreSQL, driven by autocannon. Prints req/s, p99 and the ratios; asserts nothing
 * (speed is shown here, never by a timed test).
 *
 * Settings (environment): BENCH_SECONDS (per measurement, default 5), BENCH_CONNECTIONS (50),
 * BENCH_ROUNDS (2; each round measures both servers, alternating which goes first), BENCH_ROWS
 * (rows seeded before the run, default 17000), BENCH_AA=1 (the baseline against a copy of itself:
 * the ratios then show the noise floor of this machine), BENCH_PROFILE (a directory: both servers write V8 CPU
 * profiles there, to see where the time goes).
 */
import autocannon from "autocannon";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createPool } from "../src/db";
import { migrate } from "../src/migrations";
import { freePort, sharedPostgres } from "../test/pg-harness";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = env("BENCH_SECONDS", 5);
const CONNECTIONS = env("BENCH_CONNECTIONS", 50);
const ROUNDS = env("BENCH_ROUNDS", 2);
const ROWS = env("BENCH_ROWS", 17_000);
/** A/A check: the baseline against a second copy of itself, to see how much the machine's noise alone moves the ratios. */
const AA = process.env.BENCH_AA === "1";
const root = path.resolve(__dirname, "..");

interface Server {
    name: string;
    url: string;
    child: ChildProcess;
}

/** Starts `script` under tsx and resolves once its output shows `ready` (the port comes from `port`). */
function start(
    name: string,
    script: string,
    extraEnv: Record<string, string>,
    ready: RegExp,
    port: (m: RegExpMatchArray) => number,
): Promise<Server> {
    const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
    const child = spawn(process.execPath, [...profile, "--import", "tsx", script], {
        cwd: root,
        env: { ...process.env, ...extraEnv, NODE_ENV: "production", NODE_OPTIONS: "" },
        stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
        let output = "";
        const onData = (d: Buffer) => {
            output += d;
            const m = output.match(ready);
            if (m) {
                child.stdout!.off("data", onData);
                child.stdout!.resume();
                resolve({ name, url: `http://127.0.0.1:${port(m)}`, child });
            }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", (d) => (output += d));
        child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before listening:\n${output}`)));
    });
}

interface Measured {
    rps: number;
    p99: number;
    errors: number;
    /** CPU time (user + system) the server process spent per request, in microseconds. */
    cpuUs: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
    const fields = fs
        .readFileSync(`/proc/${pid}/stat`, "utf8")
        .replace(/^.*\) /, "")
        .split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function measure(server: Server, scenario: Scenario): Promise<Measured> {
    const cpu0 = cpuSeconds(server.child.pid!);
    const r = await autocannon({
        url: server.url + scenario.path,
        method: scenario.method,
        body: scenario.body,
        headers: scenario.body ? { "content-type": "application/json" } : undefined,
        connections: CONNECTIONS,
        duration: SECONDS,
    });
    const cpuUs = ((cpuSeconds(server.child.pid!) - cpu0) * 1e6) / Math.max(1, r.requests.total);
    return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, cpuUs };
}

interface Scenario {
    name: string;
    method: "GET" | "POST";
    path: string;
    body?: string;
}

const scenarios: Scenario[] = [
    { name: "list", method: "GET", path: "/todos" },
    { name: "create", method: "POST", path: "/todos", body: JSON.stringify({ title: "benchmark todo" }) },
];

async function main(): Promise<void> {
    const pg = await sharedPostgres();
    const database = await pg.createDatabase("bench");
    const pool = createPool(pg.config(database));
    await migrate(pool);
    await pool.query("INSERT INTO todos (title, completed) SELECT 'seeded todo ' || i, i % 3 = 0 FROM generate_series(1, $1) AS i", [ROWS]);
    const seeded = (await pool.query<{ max: number | null }>("SELECT max(id) AS max FROM todos")).rows[0].max ?? 0;
    await pool.query("VACUUM ANALYZE todos");

    const dbEnv = { ...pg.env(), PGDATABASE: database, HOST: "127.0.0.1" };
    const servers = [
        await start("raw pg + node:http", "bench/raw-server.ts", dbEnv, /listening (\d+)/, (m) => Number(m[1])),
        AA
            ? await start("raw (A/A check)", "bench/raw-server.ts", dbEnv, /listening (\d+)/, (m) => Number(m[1]))
            : await start(
                  "todo-backend",
                  "src/main.ts",
                  { ...dbEnv, PORT: String(await freePort()) },
                  /"msg":"listening".*"port":(\d+)/,
                  (m) => Number(m[1]),
              ),
    ];
    const [baseline, app] = servers;
    console.log(`${ROWS} rows, ${CONNECTIONS} connections, ${SECONDS} s per measurement, ${ROUNDS} rounds, Node ${process.version}`);
    try {
        for (const scenario of scenarios) {
            const totals = new Map<Server, Measured[]>(servers.map((s) => [s, []]));
            for (let round = 0; round < ROUNDS; round++) {
                for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
                    const m = await measure(server, scenario);
                    totals.get(server)!.push(m);
                    console.log(
                        `  ${scenario.name.padEnd(6)} round ${round + 1} ${server.name.padEnd(20)} ` +
                            `${m.rps.toFixed(0).padStart(6)} req/s  p99 ${String(m.p99).padStart(4)} ms  CPU ` +
                            `${m.cpuUs.toFixed(0).padStart(4)} µs/req  errors ${m.errors}`,
                    );
                    // Creates grow the table: put it back so every list measurement sees the same rows.
                    await pool.query("DELETE FROM todos WHERE id > $1", [seeded]);
                }
            }
            const avg = (s: Server, k: keyof Measured) => totals.get(s)!.reduce((sum, m) => sum + m[k], 0) / ROUNDS;
            console.log(
                `${scenario.name}: ${app.name} ${avg(app, "rps").toFixed(0)} ` +
                    `req/s vs baseline ${avg(baseline, "rps").toFixed(0)} req/s = ` +
                    `${(avg(app, "rps") / avg(baseline, "rps")).toFixed(2)}x; ` +
                    `p99 ${avg(app, "p99").toFixed(1)} vs ${avg(baseline, "p99").toFixed(1)} ms = ` +
                    `${(avg(app, "p99") / avg(baseline, "p99")).toFixed(2)}x; CPU per request ` +
                    `${avg(app, "cpuUs").toFixed(0)} vs ${avg(baseline, "cpuUs").toFixed(0)} µs = ` +
                    `${(avg(app, "cpuUs") / avg(baseline, "cpuUs")).toFixed(2)}x`,
            );
        }
    } finally {
        for (const s of servers) s.child.kill("SIGTERM");
        await Promise.all(servers.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once("exit", r)))));
        await pool.end();
        await pg.destroy();
    }
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
