import assert from "node:assert/strict";
import { call, lockTodos, startTestApp, type TestApp } from "./helpers";
import { sharedPostgres, type PgServer } from "./pg-harness";
import { requireDebianPackage } from "../../../../tests/support/debian";

/** The value of an unlabelled sample in Prometheus text output. */
function sample(text: string, name: string): number {
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    assert.ok(m, `${name} not in /metrics:\n${text}`);
    return Number(m[1]);
}

describe("todo backend: database pool gauges on /metrics", function () {
    let pg: PgServer;
    let db: string;
    let app: TestApp;
    before(async function () {
        requireDebianPackage(this, "postgresql");
        this.timeout(60_000);
        pg = await sharedPostgres();
        db = await pg.createDatabase("poolm");
        // Pool of 8; waiting requests must not time out while the test looks at them.
        app = await startTestApp(pg, db, { max: 8, connectionTimeoutMillis: 30_000 });
    });
    after(async () => {
        await app?.close();
    });

    const scrape = async () => {
        const res = await call(app.url, "GET", "/metrics");
        assert.equal(res.status, 200);
        return res.text;
    };

    it("declares the three gauges", async () => {
        const text = await scrape();
        for (const name of ["todo_db_pool_total", "todo_db_pool_idle", "todo_db_pool_waiting"]) {
            assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, "m"));
            assert.match(text, new RegExp(`^# HELP ${name} \\S`, "m"));
        }
    });

    it("shows a saturated pool (all 8 in use, 4 waiting) while queries are blocked, and idle connections after", async function () {
        this.timeout(30_000);
        const lock = await lockTodos(pg, db);
        const inflight = Array.from({ length: 12 }, () => call(app.url, "GET", "/api/todos?limit=1"));
        try {
            await lock.waitForBlocked(8);
            const busy = await scrape();
            assert.deepEqual(
                [sample(busy, "todo_db_pool_total"), sample(busy, "todo_db_pool_idle"), sample(busy, "todo_db_pool_waiting")],
                [8, 0, 4],
            );
        } finally {
            await lock.release();
        }
        assert.deepEqual(
            (await Promise.all(inflight)).map((r) => r.status),
            Array(12).fill(200),
        );
        const after = await scrape();
        assert.deepEqual(
            [sample(after, "todo_db_pool_total"), sample(after, "todo_db_pool_idle"), sample(after, "todo_db_pool_waiting")],
            [8, 8, 0],
        );
    });
});
