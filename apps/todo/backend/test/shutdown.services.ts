import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { call, lockTodos, startTestApp } from "./helpers";
import { freePort, sharedPostgres, waitFor, type PgServer } from "./pg-harness";
import { requireDebianPackage } from "../../../../tests/support/debian";

/** Resolves true when a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port });
        s.once("connect", () => {
            s.destroy();
            resolve(false);
        });
        s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
    });
}

describe("todo backend: graceful shutdown", function () {
    let pg: PgServer;
    before(async function () {
        requireDebianPackage(this, "postgresql");
        this.timeout(60_000);
        pg = await sharedPostgres();
    });

    it("close(): stops accepting at once, finishes the in-flight request, then ends the pool", async () => {
        const db = await pg.createDatabase("shut");
        const app = await startTestApp(pg, db);
        await call(app.url, "POST", "/api/todos", { title: "slow read" });
        const lock = await lockTodos(pg, db);
        const inflight = call(app.url, "GET", "/api/todos");
        await lock.waitForBlocked();

        let closed = false;
        const closing = app.close().then(() => (closed = true));
        assert.equal(app.running.server.listening, false);
        assert.equal(await refused(app.running.port), true, "new connections are refused during shutdown");
        assert.equal(closed, false, "close waits for the in-flight request");

        await lock.release();
        const reply = await inflight;
        assert.equal(reply.status, 200);
        assert.equal(reply.headers.get("connection"), "close");
        assert.deepEqual(
            reply.body.map((t: { title: string }) => t.title),
            ["slow read"],
        );
        await closing;
        assert.equal(app.pool.ended, true);
    });

    it("SIGTERM to the real process (src/main.ts): in-flight request completes, exit code 0, password never logged", async function () {
        this.timeout(30_000);
        const db = await pg.createDatabase("sig");
        const port = await freePort();
        const cwd = path.resolve(__dirname, "..");
        const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
            cwd,
            env: { ...process.env, ...pg.env(), PGDATABASE: db, PORT: String(port), HOST: "127.0.0.1", NODE_OPTIONS: "" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        try {
            await new Promise<void>((resolve, reject) => {
                child.stdout!.on("data", (d) => {
                    output += d;
                    if (/"msg":"listening"/.test(output)) resolve();
                });
                child.stderr!.on("data", (d) => (output += d));
                exited.then((code) => reject(new Error(`backend exited early (${code}): ${output}`)));
            });
            const url = `http://127.0.0.1:${port}`;
            assert.equal((await call(url, "POST", "/api/todos", { title: "from main" })).status, 201);

            const lock = await lockTodos(pg, db);
            const inflight = call(url, "GET", "/api/todos");
            await lock.waitForBlocked();
            child.kill("SIGTERM");
            await waitFor(async () => /"msg":"shutting down"/.test(output), "the shutdown log line", 10_000);
            await waitFor(() => refused(port), "the listener to close", 10_000);
            assert.equal(child.exitCode, null, "still running while a request is in flight");

            await lock.release();
            const reply = await inflight;
            assert.equal(reply.status, 200);
            assert.deepEqual(
                reply.body.map((t: { title: string }) => t.title),
                ["from main"],
            );
            assert.equal(await exited, 0);
            assert.match(output, /"msg":"stopped"/);
            assert.match(output, /"db":"todo_test@127\.0\.0\.1:\d+\/sig_/);
            assert.ok(!output.includes(pg.password), "the database password must never be logged");
        } finally {
            if (child.exitCode === null) child.kill("SIGKILL");
        }
    });
});
