/**
 * The little HTTP the service needs on top of `node:http`: a bounded, strict JSON body reader and a
 * JSON responder. (The service used Express; its routing and body parsing cost more CPU per request
 * than the database round trip itself, see bench/ and the README.)
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isUtf8 } from "node:buffer";
import { HttpError } from "./errors";

/** An error while reading a body; `type` names the case (the names body-parser used, see errors.ts). */
export class BodyError extends Error {
    constructor(
        readonly type: "entity.parse.failed" | "entity.too.large" | "encoding.unsupported" | "request.aborted",
        readonly limit?: number,
    ) {
        super(type);
    }
}

function hasBody(req: IncomingMessage): boolean {
    if (req.headers["transfer-encoding"] !== undefined) return true;
    const length = req.headers["content-length"];
    return length !== undefined && length !== "0";
}

/** The media type and charset of a Content-Type header, lower-cased. */
function mediaType(header: string | undefined): { type: string; charset?: string } {
    if (header === "application/json") return { type: header }; // what nearly every client sends
    const [type, ...params] = (header ?? "").split(";");
    const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("charset="));
    return { type: type.trim().toLowerCase(), charset: charset?.slice("charset=".length).replace(/^"(.*)"$/, "$1") };
}

/**
 * Reads a JSON request body of at most `limit` bytes: 400 without a body, 415 for another media
 * type, charset or content coding, 413 when too large, 400 for bytes that are not UTF-8 (they would
 * otherwise become U+FFFD) and for JSON that is malformed or not an object/array (strict, as RFC 8259
 * clients send it).
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
    if (!hasBody(req)) throw new HttpError(400, "request body must be a JSON object");
    const { type, charset } = mediaType(req.headers["content-type"]);
    if (type !== "application/json") throw new HttpError(415, "Content-Type must be application/json");
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
        throw new HttpError(415, `unsupported charset "${charset.slice(0, 40)}"; JSON bodies must be utf-8`);
    }
    const coding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
    if (coding !== "identity") throw new BodyError("encoding.unsupported");
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) throw new BodyError("entity.too.large", limit);

    const { chunks, size } = await collect(req, limit);
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    if (!isUtf8(raw)) throw new HttpError(400, "request body is not valid UTF-8");
    const text = raw.toString("utf8");
    const first = /\S/.exec(text)?.[0];
    if (first !== "{" && first !== "[") throw new BodyError("entity.parse.failed");
    try {
        return JSON.parse(text) as unknown;
    } catch {
        throw new BodyError("entity.parse.failed");
    }
}

/** The body's chunks; past `limit` bytes it stops keeping them (the rest is drained, not kept) and fails. */
function collect(req: IncomingMessage, limit: number): Promise<{ chunks: Buffer[]; size: number }> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (chunk: Buffer) => {
            size += chunk.length;
            if (size <= limit) return void chunks.push(chunk);
            cleanup();
            req.resume(); // drain, so the 413 can still be answered on this connection
            reject(new BodyError("entity.too.large", limit));
        };
        const onEnd = () => {
            cleanup();
            resolve({ chunks, size });
        };
        const onAbort = () => {
            cleanup();
            reject(new BodyError("request.aborted"));
        };
        const cleanup = () => {
            req.off("data", onData);
            req.off("end", onEnd);
            req.off("error", onAbort);
            req.off("aborted", onAbort);
        };
        req.on("data", onData);
        req.on("end", onEnd);
        req.on("error", onAbort);
        req.on("aborted", onAbort);
    });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
    const text = JSON.stringify(body);
    const all: Record<string, string> = headers ?? {};
    all["content-type"] = "application/json; charset=utf-8";
    all["content-length"] = String(Buffer.byteLength(text));
    res.writeHead(status, all);
    res.end(text);
}
