/**
 * The benchmark's baseline: the same queries as the service, on bare `node:http` and `pg` with the
 * same pool settings, and only the input checks a client could not do without (no framework, no
 * metrics, no logging). Started as a child process by bench.ts; prints "listening <port>".
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "pg";
import { loadConfig } from "../src/config";
import { INSERT_TODO, LIST_PAGE, type PageRow, type TodoRow, toPage, toTodo } from "../src/queries";

const config = loadConfig();
const pool = new Pool(config.db);

function send(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
}

async function list(url: URL, res: http.ServerResponse): Promise<void> {
    const limit = Number(url.searchParams.get("limit") ?? 50);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const page = toPage((await pool.query<PageRow>(LIST_PAGE, [limit, offset])).rows);
    res.setHeader("x-total-count", String(page.total));
    send(res, 200, page.todos);
}

async function create(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let title: unknown;
    try {
        title = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { title?: unknown }).title;
    } catch {
        return send(res, 400, { error: "malformed JSON" });
    }
    if (typeof title !== "string" || title.trim() === "") return send(res, 400, { error: "title" });
    const { rows } = await pool.query<TodoRow>(INSERT_TODO, [title.trim(), false]);
    res.setHeader("location", `/todos/${rows[0].id}`);
    send(res, 201, toTodo(rows[0]));
}

const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const work =
        url.pathname === "/todos" && req.method === "GET"
            ? list(url, res)
            : url.pathname === "/todos" && req.method === "POST"
              ? create(req, res)
              : Promise.resolve(send(res, 404, { error: "not found" }));
    work.catch(() => send(res, 500, { error: "internal server error" }));
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on("SIGTERM", () => {
    server.close();
    server.closeAllConnections();
    void pool.end();
});
