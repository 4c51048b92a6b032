/**
 * Pure request validation for the Todo API. Every function returns either the parsed value or an
 * error message meant for the client; nothing here touches the database or HTTP.
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

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A title is a string, trimmed, non-empty, at most MAX_TITLE_LENGTH characters (code points), and
 * text PostgreSQL can store as it was sent: no NUL (PostgreSQL refuses it, 22021) and no lone UTF-16
 * surrogate (a JSON escape such as "\ud800" would otherwise be stored as U+FFFD).
 */
export function validateTitle(value: unknown): Result<string> {
    if (typeof value !== "string") return fail(`"title" must be a string, got ${describe(value)}`);
    if (value.includes("\u0000")) return fail(`"title" must not contain NUL characters (U+0000)`);
    if (LONE_SURROGATE.test(value)) return fail(`"title" must be valid Unicode: lone surrogates (U+D800 to U+DFFF) are not allowed`);
    const title = value.trim();
    if (title.length === 0) return fail(`"title" must not be empty`);
    // UTF-16 units never undercount code points, so only a long string needs counting.
    const length = title.length <= MAX_TITLE_LENGTH ? title.length : [...title].length;
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

/** Page size of GET /todos when `limit` is not given, and the largest one allowed. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
/** Largest offset accepted (PostgreSQL `integer`; far beyond any real table here). */
export const MAX_OFFSET = MAX_ID;

export interface Paging {
    limit: number;
    offset: number;
}

const PAGING_PARAMS = ["limit", "offset"] as const;

function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): Result<number> {
    const values = params.getAll(name);
    if (values.length === 0) return ok(fallback);
    const allowed = `an integer from ${min} to ${max}`;
    if (values.length > 1) return fail(`query parameter "${name}" must be given once, as ${allowed}`);
    const raw = values[0];
    if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        return fail(`query parameter "${name}" must be ${allowed}, got "${truncate(raw, 40)}"`);
    }
    return ok(Number(raw));
}

/** Query of GET /todos: optional `limit` (1..MAX_LIMIT, default DEFAULT_LIMIT) and `offset` (0..), nothing else. */
export function parsePaging(params: URLSearchParams): Result<Paging> {
    for (const key of params.keys()) {
        if (!(PAGING_PARAMS as readonly string[]).includes(key)) {
            return fail(`unknown query parameter "${truncate(key, 40)}"; allowed: ${PAGING_PARAMS.join(", ")}`);
        }
    }
    const limit = intParam(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    if (!limit.ok) return limit;
    const offset = intParam(params, "offset", 0, 0, MAX_OFFSET);
    if (!offset.ok) return offset;
    return ok({ limit: limit.value, offset: offset.value });
}
