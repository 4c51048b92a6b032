/**
 * Liveness + metrics endpoint shared by both services.
 *
 * `GET /healthz` answers 200 while the service made progress recently (the service calls `beat()` after every
 * acknowledged send / successful poll cycle) and 503 once the last beat is older than `staleAfterMs`, or before
 * the first beat. It depends on Kafka: during a broker outage it turns 503, so it is the *readiness* probe (and
 * the Docker HEALTHCHECK).
 *
 * `GET /livez` answers 200 whenever the process can serve HTTP at all, whatever Kafka does: it is the Kubernetes
 * *liveness* probe, so a broker outage does not make the kubelet restart every pod (the Kafka client reconnects
 * by itself; restarts would only add rebalances). `GET /metrics` renders the registry (./metrics.ts) in Prometheus text format.
 */
import { createServer, type Server } from "node:http";
import { MetricsRegistry } from "./metrics.js";

export type Clock = () => number;

export class Health extends MetricsRegistry {
    private lastBeat: number | null = null;

    constructor(
        service: string,
        private readonly staleAfterMs: number,
        private readonly clock: Clock = Date.now,
    ) {
        super(service);
        this.gauge("healthy", "1 while the service makes progress", () => (this.healthy().ok ? 1 : 0));
    }

    beat(): void {
        this.lastBeat = this.clock();
    }

    healthy(): { ok: boolean; reason: string } {
        if (this.lastBeat === null) return { ok: false, reason: "no progress yet" };
        const age = this.clock() - this.lastBeat;
        if (age > this.staleAfterMs) return { ok: false, reason: `no progress for ${age} ms` };
        return { ok: true, reason: `last progress ${age} ms ago` };
    }
}

/** Serves /livez, /healthz and /metrics; resolves once listening. `port` 0 picks a free port (tests). */
export async function startHealthServer(health: Health, port: number, host = "0.0.0.0"): Promise<Server> {
    const server = createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (req.method === "GET" && path === "/livez") {
            // Process only: answering at all proves the event loop runs. No Kafka state here.
            res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
            res.end("alive\n");
            return;
        }
        if (req.method === "GET" && path === "/healthz") {
            const { ok, reason } = health.healthy();
            res.writeHead(ok ? 200 : 503, { "content-type": "text/plain; charset=utf-8" });
            res.end(`${ok ? "ok" : "unhealthy"}: ${reason}\n`);
            return;
        }
        if (req.method === "GET" && path === "/metrics") {
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
            res.end(health.renderMetrics());
            return;
        }
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("not found\n");
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    return server;
}
