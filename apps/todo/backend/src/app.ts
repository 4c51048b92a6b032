/**
 * The Express application, built from its dependencies (no globals, no listening): the same routes
 * are served under /api (as the browser calls them) and at the root (as the ingress forwards them
 * after stripping /api), so the service works behind either.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import type { Pool } from "pg";
import { HttpError, toHttpError } from "./errors";
import { type Logger, errorFields, silentLogger } from "./log";
import { type HttpMetrics, createMetrics } from "./metrics";
import { parseId, validateNewTodo, validatePatch } from "./validation";

export const BODY_LIMIT_BYTES = 10 * 1024;

export interface AppDeps {
  pool: Pool;
  metrics?: HttpMetrics;
  logger?: Logger;
}

export interface Todo {
  id: number;
  title: string;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
}

interface TodoRow {
  id: number;
  title: string;
  completed: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, title, completed, created_at, updated_at";

function toTodo(row: TodoRow): Todo {
  return {
    id: row.id,
    title: row.title,
    completed: row.completed,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function hasBody(req: Request): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = req.headers["content-length"];
  return length !== undefined && length !== "0";
}

/** POST/PATCH carry a JSON object: no body is 400, another media type is 415. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!hasBody(req)) return next(new HttpError(400, "request body must be a JSON object"));
  if (!req.is("application/json")) return next(new HttpError(415, "Content-Type must be application/json"));
  next();
}

function methodNotAllowed(allowed: string[]) {
  return (req: Request, res: Response): void => {
    res.setHeader("Allow", allowed.join(", "));
    res.status(405).json({ error: `method ${req.method} not allowed; use ${allowed.join(" or ")}` });
  };
}

/** Remembers the matched route pattern (with its mount prefix) for the metrics labels. */
function markRoute(req: Request, res: Response, next: NextFunction): void {
  res.locals.route = `${req.baseUrl}${String(req.route?.path ?? "")}`;
  next();
}

function idParam(req: Request): number {
  const parsed = parseId(String(req.params.id));
  if (!parsed.ok) throw new HttpError(400, parsed.error);
  return parsed.value;
}

export function createApp(deps: AppDeps): express.Express {
  const { pool } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const logger = deps.logger ?? silentLogger;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  // Metrics: label by route pattern (bounded cardinality), "unmatched" for everything else.
  app.use((req, res, next) => {
    const end = metrics.duration.startTimer();
    res.on("finish", () => {
      const route = typeof res.locals.route === "string" ? res.locals.route : "unmatched";
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      end(labels);
    });
    next();
  });

  app.get("/metrics", markRoute, async (_req, res) => {
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  const json = express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: "application/json" });
  const api = express.Router();

  // Liveness: the process answers; says nothing about the database (use /health for readiness).
  api.get("/livez", markRoute, (_req, res) => {
    res.json({ status: "ok" });
  });

  api.get("/health", markRoute, async (_req, res) => {
    try {
      await pool.query("SELECT 1");
      res.json({ status: "ok", db: "up" });
    } catch (err) {
      logger.error("health check: database unavailable", errorFields(err));
      res.status(503).json({ status: "unavailable", db: "down", error: "database unavailable" });
    }
  });

  api
    .route("/todos")
    .all(markRoute)
    .get(async (_req, res) => {
      const { rows } = await pool.query<TodoRow>(`SELECT ${COLUMNS} FROM todos ORDER BY created_at, id`);
      res.json(rows.map(toTodo));
    })
    .post(requireJson, json, async (req, res) => {
      const input = validateNewTodo(req.body);
      if (!input.ok) throw new HttpError(400, input.error);
      const { rows } = await pool.query<TodoRow>(
        `INSERT INTO todos (title, completed) VALUES ($1, $2) RETURNING ${COLUMNS}`,
        [input.value.title, input.value.completed],
      );
      res.status(201).location(`${req.baseUrl}/todos/${rows[0].id}`).json(toTodo(rows[0]));
    })
    .all(methodNotAllowed(["GET", "POST"]));

  api
    .route("/todos/:id")
    .all(markRoute)
    .get(async (req, res) => {
      const id = idParam(req);
      const { rows } = await pool.query<TodoRow>(`SELECT ${COLUMNS} FROM todos WHERE id = $1`, [id]);
      if (rows.length === 0) throw new HttpError(404, `todo ${id} not found`);
      res.json(toTodo(rows[0]));
    })
    .patch(requireJson, json, async (req, res) => {
      const id = idParam(req);
      const patch = validatePatch(req.body);
      if (!patch.ok) throw new HttpError(400, patch.error);
      const { rows } = await pool.query<TodoRow>(
        `UPDATE todos SET title = COALESCE($2, title), completed = COALESCE($3, completed), updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, patch.value.title ?? null, patch.value.completed ?? null],
      );
      if (rows.length === 0) throw new HttpError(404, `todo ${id} not found`);
      res.json(toTodo(rows[0]));
    })
    .delete(async (req, res) => {
      const id = idParam(req);
      const { rowCount } = await pool.query("DELETE FROM todos WHERE id = $1", [id]);
      if (!rowCount) throw new HttpError(404, `todo ${id} not found`);
      res.status(204).end();
    })
    .all(methodNotAllowed(["GET", "PATCH", "DELETE"]));

  app.use("/api", api);
  app.use(api);

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });

  // Express 5 forwards rejected promises from async handlers here.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, message, log } = toHttpError(err);
    if (log) logger.error("request failed", { method: req.method, path: req.path, status, ...errorFields(err) });
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json({ error: message });
  });

  return app;
}
