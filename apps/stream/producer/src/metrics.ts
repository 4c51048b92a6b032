/** The producer's metrics (contract in apps/stream/README.md, "Metrics"), wrapped around its event sink. */
import type { MetricsRegistry } from "../../common/src/metrics.js";
import type { Pacer } from "./pacer.js";
import type { EventSink } from "./run.js";

export function producerMetrics(registry: MetricsRegistry, pacer: Pacer, sink: EventSink): EventSink {
    const sent = registry.counter("events_sent_total", "Events acknowledged by the broker");
    registry.counterFrom("events_dropped_total", "Events skipped because sends fell behind the schedule", () => pacer.dropped);
    const errors = registry.counter("produce_errors_total", "Produce requests that failed");
    const duration = registry.histogram("produce_duration_seconds", "Produce request duration until the broker acknowledged (acks=all)");
    return {
        async send(records) {
            const done = duration.startTimer();
            try {
                await sink.send(records);
            } catch (error) {
                errors();
                throw error;
            }
            done();
            sent(records.length);
        },
        close: () => sink.close(),
        connected: () => sink.connected(),
    };
}
