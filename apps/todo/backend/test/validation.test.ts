import assert from "node:assert/strict";
import {
    DEFAULT_LIMIT,
    MAX_ID,
    MAX_LIMIT,
    MAX_TITLE_LENGTH,
    parseId,
    parsePaging,
    validateNewTodo,
    validatePatch,
    validateTitle,
} from "../src/validation";
import { describeDb, loadConfig } from "../src/config";
import { isDatabaseUnavailable, toHttpError, HttpError } from "../src/errors";

describe("todo backend: validation (pure)", () => {
    it("accepts a title, trims it, and counts characters rather than UTF-16 units", () => {
        assert.deepEqual(validateTitle("  buy milk "), { ok: true, value: "buy milk" });
        assert.equal(validateTitle("😀".repeat(MAX_TITLE_LENGTH)).ok, true);
        assert.deepEqual(validateTitle("x".repeat(MAX_TITLE_LENGTH + 1)), {
            ok: false,
            error: `"title" must be at most 200 characters, got 201`,
        });
    });

    it("rejects empty and non-string titles with a message naming the type", () => {
        assert.deepEqual(validateTitle(" \t"), { ok: false, error: `"title" must not be empty` });
        assert.deepEqual(validateTitle(3), { ok: false, error: `"title" must be a string, got a number` });
        assert.deepEqual(validateTitle(null), { ok: false, error: `"title" must be a string, got null` });
        assert.deepEqual(validateTitle(["a"]), { ok: false, error: `"title" must be a string, got an array` });
    });

    it("rejects what PostgreSQL cannot store as sent: NUL, and lone surrogates on either side", () => {
        const nul = { ok: false, error: `"title" must not contain NUL characters (U+0000)` };
        assert.deepEqual(validateTitle("a\u0000b"), nul);
        assert.deepEqual(validateTitle("\u0000"), nul);
        for (const lone of ["\ud800", "a\udfffb", "\ude00\ud83d", "x\ud83d"]) {
            assert.deepEqual(
                validateTitle(lone),
                { ok: false, error: `"title" must be valid Unicode: lone surrogates (U+D800 to U+DFFF) are not allowed` },
                JSON.stringify(lone),
            );
        }
        // A surrogate pair is one character (an emoji), and other control characters are text.
        assert.deepEqual(validateTitle("\ud83d\ude00 tab\there"), { ok: true, value: "😀 tab\there" });
    });

    it("parses paging: limit 1..MAX_LIMIT (default DEFAULT_LIMIT), offset >= 0, nothing else", () => {
        const p = (q: string) => parsePaging(new URLSearchParams(q));
        assert.deepEqual(p(""), { ok: true, value: { limit: DEFAULT_LIMIT, offset: 0 } });
        assert.deepEqual(p(`limit=${MAX_LIMIT}&offset=17000`), { ok: true, value: { limit: MAX_LIMIT, offset: 17000 } });
        assert.deepEqual(p("limit=1"), { ok: true, value: { limit: 1, offset: 0 } });
        for (const bad of [
            "limit=0",
            `limit=${MAX_LIMIT + 1}`,
            "limit=-5",
            "limit=1e2",
            "limit=%201",
            "offset=-1",
            "offset=0x10",
            "offset=2147483648",
            "offset=1&offset=2",
            "sort=title",
        ]) {
            assert.equal(p(bad).ok, false, bad);
        }
        assert.deepEqual(p("limit=abc"), {
            ok: false,
            error: `query parameter "limit" must be an integer from 1 to ${MAX_LIMIT}, got "abc"`,
        });
        assert.deepEqual(p("sort=title"), { ok: false, error: `unknown query parameter "sort"; allowed: limit, offset` });
    });

    it("validates a new todo: required title, optional boolean completed, no other fields", () => {
        assert.deepEqual(validateNewTodo({ title: "a" }), { ok: true, value: { title: "a", completed: false } });
        assert.deepEqual(validateNewTodo({ title: "a", completed: true }), { ok: true, value: { title: "a", completed: true } });
        assert.deepEqual(validateNewTodo({}), { ok: false, error: `"title" is required` });
        assert.deepEqual(validateNewTodo({ title: "a", completed: "yes" }), {
            ok: false,
            error: `"completed" must be a boolean, got a string`,
        });
        assert.deepEqual(validateNewTodo({ title: "a", due: 1, tag: "x" }), { ok: false, error: `unknown fields: "due", "tag"` });
        assert.deepEqual(validateNewTodo([]), { ok: false, error: "request body must be a JSON object, got an array" });
        assert.deepEqual(validateNewTodo(undefined), { ok: false, error: "request body must be a JSON object, got a undefined" });
    });

    it("validates a patch: at least one known field", () => {
        assert.deepEqual(validatePatch({ completed: true }), { ok: true, value: { completed: true } });
        assert.deepEqual(validatePatch({ title: " b " }), { ok: true, value: { title: "b" } });
        assert.deepEqual(validatePatch({}), { ok: false, error: `request body must contain "title" and/or "completed"` });
        assert.deepEqual(validatePatch({ title: "" }), { ok: false, error: `"title" must not be empty` });
        assert.deepEqual(validatePatch({ id: 3 }), { ok: false, error: `unknown field: "id"` });
    });

    it("parses ids: positive integers within PostgreSQL integer range only", () => {
        assert.deepEqual(parseId("42"), { ok: true, value: 42 });
        assert.deepEqual(parseId(String(MAX_ID)), { ok: true, value: MAX_ID });
        for (const bad of ["0", "-1", "1.5", "abc", "", "01", "1e3", " 1", "0x10"]) {
            assert.equal(parseId(bad).ok, false, bad);
        }
        assert.deepEqual(parseId("2147483648"), { ok: false, error: "id must be at most 2147483647, got 2147483648" });
        assert.deepEqual(parseId("abc"), { ok: false, error: `id must be a positive integer, got "abc"` });
    });
});

describe("todo backend: configuration and error mapping (pure)", () => {
    it("reads PG* variables and defaults the port to 3001", () => {
        const c = loadConfig({ PGHOST: "db", PGUSER: "u", PGPASSWORD: "pw-from-env", PGDATABASE: "d" });
        assert.equal(c.port, 3001);
        assert.equal(c.db.host, "db");
        assert.equal(c.db.port, 5432);
        assert.equal(c.db.password, "pw-from-env");
        assert.equal(describeDb(c.db), "u@db:5432/d");
    });

    it("prefers DATABASE_URL and never puts the password in its description or errors", () => {
        const secret = "s3cr3t-value";
        const c = loadConfig({ DATABASE_URL: `postgres://app:${secret}@db.example:5433/todo`, PORT: "8081" });
        assert.equal(c.port, 8081);
        assert.equal(c.db.connectionString, `postgres://app:${secret}@db.example:5433/todo`);
        assert.equal(describeDb(c.db), "app@db.example:5433/todo");
        assert.throws(
            () => loadConfig({ DATABASE_URL: `not a url ${secret}` }),
            (e: Error) => !e.message.includes(secret),
        );
        assert.throws(() => loadConfig({ PORT: "http" }), /PORT must be an integer/);
        assert.throws(() => loadConfig({ PORT: "70000" }), /PORT must be between 1 and 65535/);
    });

    it("maps errors to statuses: body parser 400/413, database 503, unknown 500", () => {
        assert.deepEqual(toHttpError(new HttpError(404, "x")), { status: 404, message: "x", log: false });
        assert.equal(toHttpError({ type: "entity.parse.failed" }).status, 400);
        assert.equal(toHttpError({ type: "entity.too.large", limit: 10 }).status, 413);
        const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        assert.equal(isDatabaseUnavailable(refused), true);
        assert.equal(toHttpError(refused).status, 503);
        assert.deepEqual(toHttpError(new Error("boom")), { status: 500, message: "internal server error", log: true });
    });
});
