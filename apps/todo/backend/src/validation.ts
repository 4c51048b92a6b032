/**
 * Pure request validation for the Todo API. Every function returns either the parsed value or an
 * error message meant for the client; nothing here touches the database or Express.
 */

export const MAX_TITLE_LENGTH = 200;
/** Largest id PostgreSQL's `integer` column can hold. */
export const MAX_ID = 2_147_483_647;

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export interface NewTodo {
  title: string;
  completed: boolean;
}

export interface TodoPatch {
  title?: string;
  completed?: boolean;
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** A title is a string, trimmed, non-empty, at most MAX_TITLE_LENGTH characters (code points). */
export function validateTitle(value: unknown): Result<string> {
  if (typeof value !== "string") return fail(`"title" must be a string, got ${describe(value)}`);
  const title = value.trim();
  if (title.length === 0) return fail(`"title" must not be empty`);
  const length = [...title].length;
  if (length > MAX_TITLE_LENGTH) {
    return fail(`"title" must be at most ${MAX_TITLE_LENGTH} characters, got ${length}`);
  }
  return ok(title);
}

function validateCompleted(value: unknown): Result<boolean> {
  if (typeof value !== "boolean") return fail(`"completed" must be a boolean, got ${describe(value)}`);
  return ok(value);
}

const ALLOWED_FIELDS = ["title", "completed"] as const;

function unknownFields(body: Record<string, unknown>): string[] {
  return Object.keys(body).filter((key) => !(ALLOWED_FIELDS as readonly string[]).includes(key));
}

function checkShape(body: unknown): Result<Record<string, unknown>> {
  if (!isPlainObject(body)) return fail(`request body must be a JSON object, got ${describe(body)}`);
  const extra = unknownFields(body);
  if (extra.length > 0) {
    return fail(`unknown field${extra.length > 1 ? "s" : ""}: ${extra.map((k) => `"${k}"`).join(", ")}`);
  }
  return ok(body);
}

/** Body of POST /todos: `{title: string, completed?: boolean}`, nothing else. */
export function validateNewTodo(body: unknown): Result<NewTodo> {
  const shape = checkShape(body);
  if (!shape.ok) return shape;
  if (!("title" in shape.value) || shape.value.title === undefined) return fail(`"title" is required`);
  const title = validateTitle(shape.value.title);
  if (!title.ok) return title;
  let completed = false;
  if ("completed" in shape.value) {
    const c = validateCompleted(shape.value.completed);
    if (!c.ok) return c;
    completed = c.value;
  }
  return ok({ title: title.value, completed });
}

/** Body of PATCH /todos/:id: at least one of `title`, `completed`, nothing else. */
export function validatePatch(body: unknown): Result<TodoPatch> {
  const shape = checkShape(body);
  if (!shape.ok) return shape;
  const patch: TodoPatch = {};
  if ("title" in shape.value) {
    const title = validateTitle(shape.value.title);
    if (!title.ok) return title;
    patch.title = title.value;
  }
  if ("completed" in shape.value) {
    const c = validateCompleted(shape.value.completed);
    if (!c.ok) return c;
    patch.completed = c.value;
  }
  if (patch.title === undefined && patch.completed === undefined) {
    return fail(`request body must contain "title" and/or "completed"`);
  }
  return ok(patch);
}

/** A path id is a positive decimal integer that fits PostgreSQL's `integer`. */
export function parseId(raw: string): Result<number> {
  if (!/^[1-9][0-9]{0,9}$/.test(raw)) return fail(`id must be a positive integer, got "${truncate(raw, 40)}"`);
  const id = Number(raw);
  if (id > MAX_ID) return fail(`id must be at most ${MAX_ID}, got ${raw}`);
  return ok(id);
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
