import assert from "node:assert/strict";
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

        const big = JSON.stringify({ title: "y".repeat(20_000) });
        const cases: Array<{
            name: string;
            method: string;
            path: () => string;
            body?: unknown;
            headers?: Record<string, string>;
            status: number;
            error: string | RegExp;
        }> = [
            {
                name: "POST without a body",
                method: "POST",
                path: () => "/api/todos",
                status: 400,
                error: "request body must be a JSON object",
            },
            {
                name: "POST malformed JSON",
                method: "POST",
                path: () => "/api/todos",
                body: '{"title": "a"',
                status: 400,
                error: "malformed JSON in request body",
            },
            {
                name: "POST a JSON string (not an object)",
                method: "POST",
                path: () => "/api/todos",
                body: '"hello"',
                status: 400,
                error: "malformed JSON in request body",
            },
            {
                name: "POST a JSON array",
                method: "POST",
                path: () => "/api/todos",
                body: [{ title: "a" }],
                status: 400,
                error: "request body must be a JSON object, got an array",
            },
            {
                name: "POST text/plain",
                method: "POST",
                path: () => "/api/todos",
                body: "title=a",
                headers: { "content-type": "text/plain" },
                status: 415,
                error: "Content-Type must be application/json",
            },
            {
                name: "POST missing title",
                method: "POST",
                path: () => "/api/todos",
                body: { completed: true },
                status: 400,
                error: `"title" is required`,
            },
            {
                name: "POST empty title",
                method: "POST",
                path: () => "/api/todos",
                body: { title: "" },
                status: 400,
                error: `"title" must not be empty`,
            },
            {
                name: "POST blank title",
                method: "POST",
                path: () => "/api/todos",
                body: { title: "   " },
                status: 400,
                error: `"title" must not be empty`,
            },
            {
                name: "POST title of 201 characters",
                method: "POST",
                path: () => "/api/todos",
                body: { title: "z".repeat(201) },
                status: 400,
                error: `"title" must be at most 200 characters, got 201`,
            },
            {
                name: "POST title with a NUL character",
                method: "POST",
                path: () => "/api/todos",
                body: { title: "a\u0000b" },
                status: 400,
                error: `"title" must not contain NUL characters (U+0000)`,
            },
            {
                name: "POST title with a lone surrogate (JSON escape)",
                method: "POST",
                path: () => "/api/todos",
                body: '{"title": "a\\ud800b"}',
                status: 400,
                error: `"title" must be valid Unicode: lone surrogates (U+D800 to U+DFFF) are not allowed`,
            },
            {
                name: "POST body that is not UTF-8",
                method: "POST",
                path: () => "/api/todos",
                body: Buffer.from([...Buffer.from('{"title": "caf'), 0xe9, ...Buffer.from('"}')]),
                status: 400,
                error: "request body is not valid UTF-8",
            },
            {
                name: "POST body in another charset",
                method: "POST",
                path: () => "/api/todos",
                body: '{"title": "a"}',
                headers: { "content-type": "application/json; charset=iso-8859-1" },
                status: 415,
                error: `unsupported charset "iso-8859-1"; JSON bodies must be utf-8`,
            },
            {
                name: "POST numeric title",
                method: "POST",
                path: () => "/api/todos",
                body: { title: 42 },
                status: 400,
                error: `"title" must be a string, got a number`,
            },
            {
                name: "POST null title",
                method: "POST",
                path: () => "/api/todos",
                body: { title: null },
                status: 400,
                error: `"title" must be a string, got null`,
            },
            {
                name: "POST string completed",
                method: "POST",
                path: () => "/api/todos",
                body: { title: "a", completed: "true" },
                status: 400,
                error: `"completed" must be a boolean, got a string`,
            },
            {
                name: "POST unknown field",
                method: "POST",
                path: () => "/api/todos",
                body: { title: "a", priority: 1 },
                status: 400,
                error: `unknown field: "priority"`,
            },
            {
                name: "POST oversized body",
                method: "POST",
                path: () => "/api/todos",
                body: big,
                status: 413,
                error: "request body too large (limit 10240 bytes)",
            },
            {
                name: "PATCH non-numeric id",
                method: "PATCH",
                path: () => "/api/todos/abc",
                body: { completed: true },
                status: 400,
                error: `id must be a positive integer, got "abc"`,
            },
            {
                name: "PATCH zero id",
                method: "PATCH",
                path: () => "/api/todos/0",
                body: { completed: true },
                status: 400,
                error: `id must be a positive integer, got "0"`,
            },
            {
                name: "PATCH fractional id",
                method: "PATCH",
                path: () => "/api/todos/1.5",
                body: { completed: true },
                status: 400,
                error: `id must be a positive integer, got "1.5"`,
            },
            {
                name: "PATCH id beyond integer range",
                method: "PATCH",
                path: () => "/api/todos/99999999999",
                body: { completed: true },
                status: 400,
                error: /id must be/,
            },
            {
                name: "PATCH unknown id",
                method: "PATCH",
                path: () => "/api/todos/2147483647",
                body: { completed: true },
                status: 404,
                error: "todo 2147483647 not found",
            },
            {
                name: "PATCH empty object",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: {},
                status: 400,
                error: `request body must contain "title" and/or "completed"`,
            },
            {
                name: "PATCH empty title",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: { title: "" },
                status: 400,
                error: `"title" must not be empty`,
            },
            {
                name: "PATCH oversized title",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: { title: "q".repeat(300) },
                status: 400,
                error: `"title" must be at most 200 characters, got 300`,
            },
            {
                name: "PATCH title with a NUL character",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: { title: "\u0000" },
                status: 400,
                error: `"title" must not contain NUL characters (U+0000)`,
            },
            {
                name: "PATCH title with a lone low surrogate",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: '{"title": "\\udc00"}',
                status: 400,
                error: /lone surrogates/,
            },
            {
                name: "PATCH numeric completed",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: { completed: 1 },
                status: 400,
                error: `"completed" must be a boolean, got a number`,
            },
            {
                name: "PATCH unknown field",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: { completed: true, id: 5 },
                status: 400,
                error: `unknown field: "id"`,
            },
            {
                name: "PATCH malformed JSON",
                method: "PATCH",
                path: () => `/api/todos/${existingId}`,
                body: "{completed: true}",
                status: 400,
                error: "malformed JSON in request body",
            },
            {
                name: "DELETE non-numeric id",
                method: "DELETE",
                path: () => "/api/todos/first",
                status: 400,
                error: `id must be a positive integer, got "first"`,
            },
            { name: "DELETE unknown id", method: "DELETE", path: () => "/api/todos/123456", status: 404, error: "todo 123456 not found" },
            {
                name: "PUT (method not allowed)",
                method: "PUT",
                path: () => `/api/todos/${existingId}`,
                body: { title: "x" },
                status: 405,
                error: "method PUT not allowed; use GET or PATCH or DELETE",
            },
            {
                name: "GET list with limit 0",
                method: "GET",
                path: () => "/api/todos?limit=0",
                status: 400,
                error: `query parameter "limit" must be an integer from 1 to 200, got "0"`,
            },
            {
                name: "GET list with an unknown query parameter",
                method: "GET",
                path: () => "/todos?page=2",
                status: 400,
                error: `unknown query parameter "page"; allowed: limit, offset`,
            },
            {
                name: "unknown route",
                method: "GET",
                path: () => "/api/nothing-here",
                status: 404,
                error: "no route for GET /api/nothing-here",
            },
        ];

        for (const c of cases) {
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
