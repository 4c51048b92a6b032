/**
 * sensor-processor: consumer group on `events`, per-sensor count-window averages to `results`, at-least-once.
 * Environment: see ../../README.md (KAFKA_BOOTSTRAP required).
 */
import { Health, startHealthServer } from "../../common/src/health.js";
import { createProducer } from "../../common/src/kafka.js";
import { jsonLogger } from "../../common/src/log.js";
import { runService, stopSignal } from "../../common/src/run-service.js";
import { readProcessorConfig } from "./config.js";
import { createConsumer } from "./kafka.js";
import { runProcessor } from "./service.js";

const log = jsonLogger("sensor-processor");

async function main(): Promise<void> {
    // First, so that a SIGTERM during start-up is a stop too (not the default: killed by the signal).
    const signal = stopSignal(log, "stopping: finishing queued results and commits");
    const config = readProcessorConfig(process.env);
    const health = new Health("sensor_processor", config.staleAfterMs);
    const server = await startHealthServer(health, config.healthPort);
    log("info", "started", { ...config });
    try {
        const stats = await runProcessor({
            consumer: createConsumer(config),
            producer: createProducer({ brokers: config.brokers, clientId: `${config.clientId}-results`, sasl: config.sasl }),
            config,
            health,
            log,
            signal,
        });
        log("info", "stopped", { ...stats });
    } finally {
        server.close();
    }
}

runService(main, log);
