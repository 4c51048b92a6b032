/**
 * What the cluster does in front of the SPA, on loopback for tests: serve the built `dist/` with an
 * SPA fallback to index.html (like nginx.conf), and forward `/api/...` to the backend as `/...`
 * (like the ingress rewrite).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const TYPES: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".json": "application/json",
};

export interface StaticServer {
    url: string;
    /** Requests forwarded to the backend, for assertions. */
    forwarded: string[];
    close(): Promise<void>;
}

export async function serveDist(distDir: string, backendUrl: string): Promise<StaticServer> {
    const root = path.resolve(distDir);
    const backend = new URL(backendUrl);
    const forwarded: string[] = [];
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
            const target = url.pathname.slice("/api".length) || "/";
            forwarded.push(`${req.method} ${target}`);
            const upstream = http.request(
                {
                    host: backend.hostname,
                    port: backend.port,
                    method: req.method,
                    path: target + url.search,
                    headers: { ...req.headers, host: backend.host },
                },
                (up) => {
                    res.writeHead(up.statusCode ?? 502, up.headers);
                    up.pipe(res);
                },
            );
            upstream.on("error", () => {
                if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
                res.end(JSON.stringify({ error: "backend unavailable" }));
            });
            req.pipe(upstream);
            return;
        }
        let file = path.resolve(root, `.${decodeURIComponent(url.pathname)}`);
        if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
            file = path.join(root, "index.html");
        }
        res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
        fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        forwarded,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
