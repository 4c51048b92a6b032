/** sensor-producer: paced sensor events to Kafka. Environment: see ../../README.md (KAFKA_BOOTSTRAP required). */
import { randomUUID } from "node:crypto";
import { Health, startHealthServer } from "../../common/src/health.js";
import { createProducer } from "../../common/src/kafka.js";
import { jsonLogger } from "../../common/src/log.js";
import { runService, stopSignal } from "../../common/src/run-service.js";
import { readProducerConfig } from "./config.js";
import { EventGenerator } from "./generator.js";
import { eventSink } from "./kafka.js";
import { producerMetrics } from "./metrics.js";
import { Pacer } from "./pacer.js";
import { runProducer, systemScheduler } from "./run.js";

const log = jsonLogger("sensor-producer");

async function main(): Promise<void> {
    // First, so that a SIGTERM during start-up is a stop too (not the default: killed by the signal).
    const signal = stopSignal(log, "stopping: flushing and disconnecting");
    const config = readProducerConfig(process.env);
    const health = new Health("sensor_producer", config.staleAfterMs);
    const pacer = new Pacer({ rate: config.rate }, systemScheduler.now());
    const metered = producerMetrics(health, pacer, eventSink(createProducer(config), config.topic));
    const server = await startHealthServer(health, config.healthPort);
    log("info", "started", { ...config });
    try {
        const stats = await runProducer({
            pacer,
            generator: new EventGenerator(`${config.clientId}-${randomUUID().slice(0, 8)}`, config.sensors, Math.random),
            sink: metered,
            scheduler: systemScheduler,
            signal,
            onSent: () => health.beat(),
        });
        log("info", "stopped", { ...stats, dropped: pacer.dropped });
    } finally {
        server.close();
    }
}

runService(main, log);
