/**
 * Listening and graceful shutdown. `close()` stops accepting connections at once, lets in-flight
 * requests finish (their responses carry `Connection: close`, idle keep-alive sockets are closed),
 * then ends the database pool. Sockets still busy after `shutdownTimeoutMs` are destroyed.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Pool } from "pg";
import type { RequestListener } from "node:http";

export interface RunningServer {
    server: http.Server;
    port: number;
    /** Idempotent; resolves once every connection is closed and the pool has ended. */
    close(): Promise<void>;
    readonly closing: boolean;
}

export interface ServeOptions {
    handler: RequestListener;
    pool?: Pool;
    port: number;
    host?: string;
    shutdownTimeoutMs?: number;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
    let closing = false;
    // Responses not yet finished: on shutdown those whose headers are still unsent get
    // `Connection: close`, so their keep-alive sockets end with them instead of lingering.
    const active = new Set<http.ServerResponse>();
    const server = http.createServer((req, res) => {
        if (closing) res.setHeader("Connection", "close");
        active.add(res);
        res.once("close", () => active.delete(res));
        options.handler(req, res);
    });
    // Keep-alive longer than typical load balancer idle timeouts, so they close first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host ?? "0.0.0.0", () => {
            server.off("error", reject);
            resolve();
        });
    });

    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => {
        if (closed) return closed;
        closing = true;
        for (const res of active) if (!res.headersSent) res.setHeader("Connection", "close");
        closed = new Promise<void>((resolve, reject) => {
            const deadline = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs ?? 15_000);
            deadline.unref();
            server.close((err) => {
                clearTimeout(deadline);
                const endPool = options.pool ? options.pool.end() : Promise.resolve();
                endPool.then(() => (err ? reject(err) : resolve()), reject);
            });
            server.closeIdleConnections();
        });
        return closed;
    };

    return {
        server,
        port: (server.address() as AddressInfo).port,
        close,
        get closing() {
            return closing;
        },
    };
}
