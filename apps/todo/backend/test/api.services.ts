import assert from "node:assert/strict";
import { badCreateCases } from "./badInputCases";
import { badItemCases } from "./badItemCases";
import { call, startTestApp, type TestApp } from "./helpers";
import { sharedPostgres, type PgServer } from "./pg-harness";
import { requireDebianPackage } from "../../../../tests/support/debian";

describe("todo backend: API against a real PostgreSQL", function () {
    let pg: PgServer;
    let app: TestApp;

    before(async function () {
        requireDebianPackage(this, "postgresql");
        this.timeout(60_000);
        pg = await sharedPostgres();
        app = await startTestApp(pg, await pg.createDatabase("api"));
    });
    after(async () => {
        await app?.close();
    });

    const rows = async () => (await app.pool.query("SELECT id, title, completed, updated_at FROM todos ORDER BY id")).rows;

    it("creates, lists, reads, updates and deletes todos", async () => {
        const created = await call(app.url, "POST", "/api/todos", { title: "  write tests " });
        assert.equal(created.status, 201);
        assert.equal(created.body.title, "write tests");
        assert.equal(created.body.completed, false);
        assert.equal(typeof created.body.id, "number");
        assert.equal(created.headers.get("location"), `/api/todos/${created.body.id}`);
        assert.ok(!Number.isNaN(Date.parse(created.body.createdAt)));

        const second = await call(app.url, "POST", "/api/todos", { title: "x".repeat(200), completed: true });
        assert.equal(second.status, 201, second.text);
        assert.equal(second.body.completed, true);

        const list = await call(app.url, "GET", "/api/todos");
        assert.equal(list.status, 200);
        assert.deepEqual(
            list.body.map((t: { id: number }) => t.id),
            [created.body.id, second.body.id],
        );

        const one = await call(app.url, "GET", `/api/todos/${created.body.id}`);
        assert.deepEqual(one.body, created.body);

        const done = await call(app.url, "PATCH", `/api/todos/${created.body.id}`, { completed: true });
        assert.equal(done.status, 200);
        assert.equal(done.body.completed, true);
        assert.equal(done.body.title, "write tests");
        assert.ok(Date.parse(done.body.updatedAt) >= Date.parse(created.body.updatedAt));

        const renamed = await call(app.url, "PATCH", `/api/todos/${created.body.id}`, { title: "renamed", completed: false });
        assert.deepEqual([renamed.body.title, renamed.body.completed], ["renamed", false]);

        const del = await call(app.url, "DELETE", `/api/todos/${second.body.id}`);
        assert.equal(del.status, 204);
        assert.equal(del.text, "");
        const gone = await call(app.url, "GET", `/api/todos/${second.body.id}`);
        assert.equal(gone.status, 404);
        assert.deepEqual(gone.body, { error: `todo ${second.body.id} not found` });
        assert.deepEqual(
            (await rows()).map((r) => r.title),
            ["renamed"],
        );
    });

    it("stores non-ASCII titles exactly as sent (escaped surrogate pairs and raw UTF-8)", async () => {
        const escaped = await call(app.url, "POST", "/api/todos", '{"title": "party \\ud83c\\udf89"}');
        assert.equal(escaped.status, 201, escaped.text);
        const raw = await call(app.url, "POST", "/api/todos", Buffer.from('{"title": "Grüße, 日本 🎉"}', "utf8"));
        assert.equal(raw.status, 201, raw.text);
        const { rows } = await app.pool.query("SELECT title FROM todos WHERE id = ANY($1) ORDER BY id", [[escaped.body.id, raw.body.id]]);
        assert.deepEqual(
            rows.map((r) => r.title),
            ["party 🎉", "Grüße, 日本 🎉"],
        );
        await app.pool.query("DELETE FROM todos WHERE id = ANY($1)", [[escaped.body.id, raw.body.id]]);
    });

    it("serves the same routes without the /api prefix (as the ingress forwards them)", async () => {
        const created = await call(app.url, "POST", "/todos", { title: "via ingress" });
        assert.equal(created.status, 201);
        assert.equal(created.headers.get("location"), `/todos/${created.body.id}`);
        const viaApi = await call(app.url, "GET", `/api/todos/${created.body.id}`);
        assert.deepEqual(viaApi.body, created.body);
        assert.equal((await call(app.url, "PATCH", `/todos/${created.body.id}`, { completed: true })).status, 200);
        assert.equal((await call(app.url, "DELETE", `/todos/${created.body.id}`)).status, 204);
        assert.equal((await call(app.url, "GET", "/health")).status, 200);
        assert.equal((await call(app.url, "GET", "/api/health")).status, 200);
    });

    describe("bad input is a 4xx JSON error and changes nothing", () => {
        let existingId: number;
        before(async () => {
            existingId = (await call(app.url, "POST", "/api/todos", { title: "keep me" })).body.id;
        });

        for (const c of [...badCreateCases, ...badItemCases(() => existingId)]) {
            it(c.name, async () => {
                const before = await rows();
                const reply = await call(app.url, c.method, c.path(), c.body, c.headers);
                assert.equal(reply.status, c.status, reply.text);
                assert.match(reply.headers.get("content-type") ?? "", /application\/json/);
                assert.deepEqual(Object.keys(reply.body), ["error"]);
                if (typeof c.error === "string") assert.equal(reply.body.error, c.error);
                else assert.match(reply.body.error, c.error);
                assert.deepEqual(await rows(), before);
            });
        }
    });

    it("exposes Prometheus metrics: request counts by route pattern and a latency histogram", async () => {
        await call(app.url, "GET", "/api/todos");
        await call(app.url, "GET", "/todos");
        await call(app.url, "GET", "/api/todos/abc");
        await call(app.url, "GET", "/definitely/unknown/1");
        const res = await call(app.url, "GET", "/metrics");
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
        assert.match(res.text, /# TYPE http_requests_total counter/);
        assert.match(res.text, /# TYPE http_request_duration_seconds histogram/);
        assert.match(res.text, /http_requests_total\{method="GET",route="\/api\/todos",status="200"\} [1-9]\d*/);
        assert.match(res.text, /http_requests_total\{method="GET",route="\/todos",status="200"\} [1-9]\d*/);
        assert.match(res.text, /http_requests_total\{method="GET",route="\/api\/todos\/:id",status="400"\} [1-9]\d*/);
        assert.match(res.text, /http_requests_total\{method="POST",route="\/api\/todos",status="201"\} [1-9]\d*/);
        assert.match(res.text, /http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]\d*/);
        assert.match(
            res.text,
            /http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/todos",status="200"\} [1-9]\d*/,
        );
        assert.match(res.text, /http_request_duration_seconds_count\{method="GET",route="\/api\/todos",status="200"\} [1-9]\d*/);
        assert.ok(!/route="\/api\/todos\/abc"/.test(res.text), "raw paths must not become labels");
    });

    it("answers 503 on /health while the database is down and recovers when it returns", async function () {
        this.timeout(30_000);
        const keep = await call(app.url, "POST", "/api/todos", { title: "survives the outage" });
        assert.equal((await call(app.url, "GET", "/health")).status, 200);
        await pg.stop();
        try {
            const down = await call(app.url, "GET", "/health");
            assert.equal(down.status, 503);
            assert.deepEqual(down.body, { status: "unavailable", db: "down", error: "database unavailable" });
            const live = await call(app.url, "GET", "/livez");
            assert.deepEqual([live.status, live.body], [200, { status: "ok" }], "liveness does not depend on the database");
            const list = await call(app.url, "GET", "/api/todos");
            assert.equal(list.status, 503);
            assert.deepEqual(list.body, { error: "database unavailable" });
            const post = await call(app.url, "POST", "/api/todos", { title: "lost?" });
            assert.equal(post.status, 503);
        } finally {
            await pg.start();
        }
        const up = await call(app.url, "GET", "/health");
        assert.equal(up.status, 200);
        assert.deepEqual(up.body, { status: "ok", db: "up" });
        const list = await call(app.url, "GET", "/api/todos");
        assert.equal(list.status, 200);
        assert.ok(list.body.some((t: { id: number }) => t.id === keep.body.id));
        assert.ok(!list.body.some((t: { title: string }) => t.title === "lost?"));
    });
});
