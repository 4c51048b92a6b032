/** The HTTP part of a Kubernetes API stand-in: a free loopback port, JSON answers; a subclass routes the requests. */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import type { KubeTarget } from "../../infra/lifecycle/kubeApi";

export type Send = (status: number, body?: unknown) => void;

export abstract class JsonStandIn {
    private server = http.createServer((req, res) =>
        this.handle(req, new URL(req.url ?? "/", "http://x"), (status, body = {}) => {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        }),
    );

    async start(): Promise<KubeTarget> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        return { server: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}` };
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    protected abstract handle(req: http.IncomingMessage, url: URL, send: Send): void;
}
