/** HTTP errors and the mapping of thrown values to a status and a client-safe message. */

export class HttpError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "HttpError";
    }
}

/** node-postgres / socket error codes that mean "the database is not reachable right now". */
const UNAVAILABLE_CODES = new Set([
    "ECONNREFUSED",
    "ECONNRESET",
    "ENOTFOUND",
    "ETIMEDOUT",
    "EPIPE",
    "EHOSTUNREACH",
    "57P01", // admin_shutdown
    "57P02", // crash_shutdown
    "57P03", // cannot_connect_now
    "08000", // connection_exception
    "08003", // connection_does_not_exist
    "08006", // connection_failure
    "08001", // sqlclient_unable_to_establish_sqlconnection
    "53300", // too_many_connections
]);

/** The same, for errors node-postgres raises with a message only (any case). */
const UNAVAILABLE_MESSAGES = new RegExp(
    [
        "timeout exceeded when trying to connect",
        "Connection terminated",
        "connect ECONNREFUSED",
        "Client has encountered a connection error",
    ].join("|"),
    "i",
);

export function isDatabaseUnavailable(err: unknown): boolean {
    if (!(err instanceof Error)) return false;
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    return UNAVAILABLE_MESSAGES.test(err.message);
}

interface BodyParserError {
    type?: unknown;
    status?: unknown;
    limit?: unknown;
}

/** Turns anything thrown in a handler into `{status, message}`; `log` is true for unexpected errors. */
export function toHttpError(err: unknown): { status: number; message: string; log: boolean } {
    if (err instanceof HttpError) return { status: err.status, message: err.message, log: false };
    const bp = (typeof err === "object" && err !== null ? err : {}) as BodyParserError;
    switch (bp.type) {
        case "entity.parse.failed":
            return { status: 400, message: "malformed JSON in request body", log: false };
        case "entity.too.large":
            return { status: 413, message: `request body too large (limit ${String(bp.limit)} bytes)`, log: false };
        case "encoding.unsupported":
        case "charset.unsupported":
            return { status: 415, message: "unsupported request body encoding", log: false };
        case "request.aborted":
            return { status: 400, message: "request aborted", log: false };
        default:
            break;
    }
    if (isDatabaseUnavailable(err)) return { status: 503, message: "database unavailable", log: true };
    if (typeof bp.status === "number" && bp.status >= 400 && bp.status < 500) {
        return { status: bp.status, message: err instanceof Error ? err.message : "bad request", log: false };
    }
    return { status: 500, message: "internal server error", log: true };
}
