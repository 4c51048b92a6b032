/**
 * The bad requests the Todo API must answer with a 4xx JSON error while changing nothing: one
 * entry per request, the status and the error text a client gets (the requests aimed at one todo
 * are in badItemCases.ts).
 */
export interface BadInputCase {
    readonly name: string;
    readonly method: string;
    readonly path: () => string;
    readonly body?: unknown;
    readonly headers?: Record<string, string>;
    readonly status: number;
    readonly error: string | RegExp;
}

/** 20,000 characters of title, past the body limit. */
const big = JSON.stringify({ title: "y".repeat(20_000) });

/** Bad requests to create a todo: bodies, media types, titles and fields the API must refuse. */
export const badCreateCases: readonly BadInputCase[] = [
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
];
