/**
 * The HTTP API as a `node:http` request listener built from its dependencies (no globals, no
 * listening). Every route is served under /api (as the browser calls it) and at the root (as the
 * ingress forwards it after stripping /api), so the service works behind either.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Pool } from "pg";
import { HttpError, toHttpError } from "./errors";
import { readJson, sendJson } from "./http";
import { type Logger, errorFields, silentLogger } from "./log";
import { type HttpMetrics, createMetrics } from "./metrics";
import { DELETE_TODO, INSERT_TODO, LIST_PAGE, type PageRow, SELECT_TODO, type TodoRow, UPDATE_TODO, toPage, toTodo } from "./queries";
import { type Paging, parseId, parsePaging, validateNewTodo, validatePatch } from "./validation";

export type { Todo } from "./queries";

export const BODY_LIMIT_BYTES = 10 * 1024;

export interface AppDeps {
    pool: Pool;
    metrics?: HttpMetrics;
    logger?: Logger;
}

/** What a handler sees: the request, the `/api` prefix it came with ("" or "/api"), and the query. */
interface Ctx {
    req: IncomingMessage;
    res: ServerResponse;
    prefix: string;
    query: string;
    id: string;
}

type Handler = (ctx: Ctx) => Promise<void> | void;

/** A route: its pattern (for the metrics label) and a handler per method. */
interface Route {
    pattern: string;
    methods: Record<string, Handler>;
}

function idParam(ctx: Ctx): number {
    let raw: string;
    try {
        raw = decodeURIComponent(ctx.id);
    } catch {
        raw = ctx.id;
    }
    const parsed = parseId(raw);
    if (!parsed.ok) throw new HttpError(400, parsed.error);
    return parsed.value;
}

/** `Link` header for a page: next and prev, with the same limit, under the prefix the client used. */
function pageLinks(prefix: string, { limit, offset }: Paging, total: number): Record<string, string> {
    const link = (o: number, rel: string) => `<${prefix}/todos?limit=${limit}&offset=${o}>; rel="${rel}"`;
    const links: string[] = [];
    if (offset + limit < total) links.push(link(offset + limit, "next"));
    if (offset > 0) links.push(link(Math.max(0, Math.min(offset, total) - limit), "prev"));
    return links.length > 0 ? { link: links.join(", ") } : {};
}

export function createApp(deps: AppDeps): RequestListener {
    const { pool } = deps;
    const metrics = deps.metrics ?? createMetrics({ pool });
    const logger = deps.logger ?? silentLogger;

    const health: Route = {
        pattern: "/health",
        methods: {
            GET: async ({ res }) => {
                try {
                    await pool.query("SELECT 1");
                    sendJson(res, 200, { status: "ok", db: "up" });
                } catch (err) {
                    logger.error("health check: database unavailable", errorFields(err));
                    sendJson(res, 503, { status: "unavailable", db: "down", error: "database unavailable" });
                }
            },
        },
    };

    // Liveness: the process answers; says nothing about the database (use /health for readiness).
    const livez: Route = { pattern: "/livez", methods: { GET: ({ res }) => sendJson(res, 200, { status: "ok" }) } };

    const todos: Route = {
        pattern: "/todos",
        methods: {
            GET: async ({ res, prefix, query }) => {
                const paging = parsePaging(new URLSearchParams(query));
                if (!paging.ok) throw new HttpError(400, paging.error);
                const { rows } = await pool.query<PageRow>(LIST_PAGE, [paging.value.limit, paging.value.offset]);
                const page = toPage(rows);
                sendJson(res, 200, page.todos, { "x-total-count": String(page.total), ...pageLinks(prefix, paging.value, page.total) });
            },
            POST: async ({ req, res, prefix }) => {
                const input = validateNewTodo(await readJson(req, BODY_LIMIT_BYTES));
                if (!input.ok) throw new HttpError(400, input.error);
                const { rows } = await pool.query<TodoRow>(INSERT_TODO, [input.value.title, input.value.completed]);
                sendJson(res, 201, toTodo(rows[0]), { location: `${prefix}/todos/${rows[0].id}` });
            },
        },
    };

    const todo: Route = {
        pattern: "/todos/:id",
        methods: {
            GET: async (ctx) => {
                const id = idParam(ctx);
                const { rows } = await pool.query<TodoRow>(SELECT_TODO, [id]);
                if (rows.length === 0) throw new HttpError(404, `todo ${id} not found`);
                sendJson(ctx.res, 200, toTodo(rows[0]));
            },
            PATCH: async (ctx) => {
                const id = idParam(ctx);
                const body = await readJson(ctx.req, BODY_LIMIT_BYTES);
                const patch = validatePatch(body);
                if (!patch.ok) throw new HttpError(400, patch.error);
                const { rows } = await pool.query<TodoRow>(UPDATE_TODO, [id, patch.value.title ?? null, patch.value.completed ?? null]);
                if (rows.length === 0) throw new HttpError(404, `todo ${id} not found`);
                sendJson(ctx.res, 200, toTodo(rows[0]));
            },
            DELETE: async (ctx) => {
                const id = idParam(ctx);
                const { rowCount } = await pool.query(DELETE_TODO, [id]);
                if (!rowCount) throw new HttpError(404, `todo ${id} not found`);
                ctx.res.writeHead(204).end();
            },
        },
    };

    const metricsRoute: Route = {
        pattern: "/metrics",
        methods: {
            GET: async ({ res }) => {
                const text = await metrics.registry.metrics();
                res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text);
            },
        },
    };

    /** The route for a path with the /api prefix already removed (ids are matched, not validated, here). */
    function match(path: string, prefixed: boolean): { route: Route; id: string } | undefined {
        if (path === "/todos") return { route: todos, id: "" };
        if (path.startsWith("/todos/") && path.indexOf("/", 7) === -1 && path.length > 7) return { route: todo, id: path.slice(7) };
        if (path === "/health") return { route: health, id: "" };
        if (path === "/livez") return { route: livez, id: "" };
        if (path === "/metrics" && !prefixed) return { route: metricsRoute, id: "" };
        return undefined;
    }

    async function dispatch(ctx: Ctx, path: string, route: Route | undefined): Promise<void> {
        const { req, res } = ctx;
        if (!route) return sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
        const handler = route.methods[req.method === "HEAD" ? "GET" : (req.method ?? "")];
        if (handler) return handler(ctx);
        if (route !== todos && route !== todo) return sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
        const allowed = Object.keys(route.methods);
        sendJson(res, 405, { error: `method ${req.method} not allowed; use ${allowed.join(" or ")}` }, { allow: allowed.join(", ") });
    }

    return (req, res) => {
        const started = performance.now();
        const url = req.url ?? "/";
        const q = url.indexOf("?");
        const path = q === -1 ? url : url.slice(0, q);
        const prefix = path === "/api" || path.startsWith("/api/") ? "/api" : "";
        const local = path.length > 1 && path.endsWith("/") ? path.slice(prefix.length, -1) : path.slice(prefix.length);
        const found = match(local, prefix !== "");
        // Label by route pattern (bounded cardinality), "unmatched" for everything else.
        const route = found ? prefix + found.route.pattern : "unmatched";
        res.once("finish", () => metrics.observe(req.method ?? "", route, res.statusCode, (performance.now() - started) / 1000));
        const ctx: Ctx = { req, res, prefix, query: q === -1 ? "" : url.slice(q + 1), id: found?.id ?? "" };
        dispatch(ctx, path, found?.route).catch((err: unknown) => {
            const { status, message, log } = toHttpError(err);
            if (log) logger.error("request failed", { method: req.method, path, status, ...errorFields(err) });
            if (res.headersSent) res.end();
            else sendJson(res, status, { error: message });
        });
    };
}
