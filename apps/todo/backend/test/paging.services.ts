import assert from "node:assert/strict";
import { DEFAULT_LIMIT, MAX_LIMIT } from "../src/validation";
import { LIST_PAGE } from "../src/queries";
import { call, startTestApp, type TestApp } from "./helpers";
import { sharedPostgres } from "./pg-harness";
import { requireDebianPackage } from "../../../../tests/support/debian";

describe("todo backend: paged GET /todos against a real PostgreSQL", function () {
    const ROWS = 260;
    let app: TestApp;
    let allIds: number[];

    before(async function () {
        requireDebianPackage(this, "postgresql");
        this.timeout(60_000);
        const pg = await sharedPostgres();
        app = await startTestApp(pg, await pg.createDatabase("paging"));
        // Same created_at for a batch, so the id tie-break is what orders them.
        await app.pool.query(
            "INSERT INTO todos (title, created_at) SELECT 'todo ' || i, now() " +
                "- (i / 10) * interval '1 minute' FROM generate_series(1, $1) AS i",
            [ROWS],
        );
        allIds = (await app.pool.query("SELECT id FROM todos ORDER BY created_at, id")).rows.map((r) => r.id);
    });
    after(async () => {
        await app?.close();
    });

    const ids = (body: Array<{ id: number }>) => body.map((t) => t.id);

    it(`answers the first ${DEFAULT_LIMIT} oldest first by default, with the total and a next link`, async () => {
        const res = await call(app.url, "GET", "/api/todos");
        assert.equal(res.status, 200);
        assert.ok(Array.isArray(res.body), "the body stays a plain array (old clients keep working)");
        assert.deepEqual(ids(res.body), allIds.slice(0, DEFAULT_LIMIT));
        assert.equal(res.headers.get("x-total-count"), String(ROWS));
        assert.equal(res.headers.get("link"), `</api/todos?limit=${DEFAULT_LIMIT}&offset=${DEFAULT_LIMIT}>; rel="next"`);
    });

    it("walks every page by following the Link header: each todo exactly once, in order", async () => {
        const seen: number[] = [];
        let next: string | undefined = "/todos?limit=70";
        let pages = 0;
        while (next) {
            const res = await call(app.url, "GET", next);
            assert.equal(res.status, 200, res.text);
            assert.equal(res.headers.get("x-total-count"), String(ROWS));
            seen.push(...ids(res.body));
            next = /<([^>]+)>; rel="next"/.exec(res.headers.get("link") ?? "")?.[1];
            pages++;
        }
        assert.equal(pages, Math.ceil(ROWS / 70));
        assert.deepEqual(seen, allIds);
    });

    it("serves the last partial page with a prev link, and past the end an empty page with the total", async () => {
        const last = await call(app.url, "GET", "/api/todos?offset=250&limit=20");
        assert.deepEqual(ids(last.body), allIds.slice(250));
        assert.equal(last.headers.get("link"), `</api/todos?limit=20&offset=230>; rel="prev"`);
        const beyond = await call(app.url, "GET", "/api/todos?offset=5000");
        assert.deepEqual([beyond.status, beyond.body, beyond.headers.get("x-total-count")], [200, [], String(ROWS)]);
        const max = await call(app.url, "GET", `/api/todos?limit=${MAX_LIMIT}`);
        assert.equal(max.body.length, MAX_LIMIT);
    });

    const bad: Array<[string, string]> = [
        ["limit=0", `query parameter "limit" must be an integer from 1 to ${MAX_LIMIT}, got "0"`],
        [`limit=${MAX_LIMIT + 1}`, `query parameter "limit" must be an integer from 1 to ${MAX_LIMIT}, got "${MAX_LIMIT + 1}"`],
        ["limit=ten", `query parameter "limit" must be an integer from 1 to ${MAX_LIMIT}, got "ten"`],
        ["limit=", `query parameter "limit" must be an integer from 1 to ${MAX_LIMIT}, got ""`],
        ["offset=-1", `query parameter "offset" must be an integer from 0 to 2147483647, got "-1"`],
        ["offset=1.5", `query parameter "offset" must be an integer from 0 to 2147483647, got "1.5"`],
        ["offset=99999999999", `query parameter "offset" must be an integer from 0 to 2147483647, got "99999999999"`],
        ["limit=5&limit=6", `query parameter "limit" must be given once, as an integer from 1 to ${MAX_LIMIT}`],
        ["page=2", `unknown query parameter "page"; allowed: limit, offset`],
        ["cursor=abc&limit=5", `unknown query parameter "cursor"; allowed: limit, offset`],
    ];
    for (const [query, error] of bad) {
        it(`answers 400 naming the parameter and what is allowed: ?${query}`, async () => {
            const res = await call(app.url, "GET", `/api/todos?${query}`);
            assert.equal(res.status, 400, res.text);
            assert.deepEqual(res.body, { error });
        });
    }

    it("the page query is served by the (created_at, id) index, not a sort of the whole table", async () => {
        await app.pool.query("ANALYZE todos");
        const { rows } = await app.pool.query(`EXPLAIN ${LIST_PAGE.replace("$1", "50").replace("$2", "100")}`);
        const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
        assert.match(plan, /Index Scan using todos_created_at_idx on todos/, plan);
        assert.ok(!/Sort Key: todos(_\d+)?\.created_at/.test(plan), plan);
    });
});
