/** Process entry point: configuration, migrations, listening, signals. */
import { createApp } from "./app";
import { describeDb, loadConfig } from "./config";
import { createPool } from "./db";
import { errorFields, jsonLogger as log } from "./log";
import { createMetrics } from "./metrics";
import { migrate } from "./migrations";
import { serve } from "./server";

async function main(): Promise<void> {
    const config = loadConfig();
    const pool = createPool(config.db, log);
    log.info("connecting to database", { db: describeDb(config.db) });
    const applied = await migrate(pool);
    log.info("migrations done", { applied });
    const app = createApp({ pool, metrics: createMetrics({ pool }), logger: log });
    const running = await serve({
        handler: app,
        pool,
        port: config.port,
        host: config.host,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    log.info("listening", { host: config.host, port: running.port });

    const shutdown = (signal: string) => {
        if (running.closing) return;
        log.info("shutting down", { signal });
        running.close().then(
            () => {
                log.info("stopped");
                process.exit(0);
            },
            (err) => {
                log.error("shutdown failed", errorFields(err));
                process.exit(1);
            },
        );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err) => {
    log.error("startup failed", errorFields(err));
    process.exit(1);
});
