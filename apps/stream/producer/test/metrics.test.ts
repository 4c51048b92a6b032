/**
 * The producer's metrics contract, read from the real /metrics endpoint, and its event sink on the shared
 * producer wiring: each send is checked with @platformatic/kafka's own send-options validator by a recording
 * ProducerPort stand-in (not a broker).
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { sendOptionsValidator, type ProduceResult } from "@platformatic/kafka";
import { Health, startHealthServer } from "../../common/src/health.js";
import type { ProducerPort, StringSendOptions } from "../../common/src/kafka.js";
import { scrape } from "../../common/test/support/prometheus.js";
import { eventSink } from "../src/kafka.js";
import { producerMetrics } from "../src/metrics.js";
import { Pacer } from "../src/pacer.js";

/** STAND-IN for Producer<string, string, string, string>: validates and records, fails when told to. */
class RecordingProducer implements ProducerPort {
    readonly sent: StringSendOptions[] = [];
    fail: Error | null = null;
    closed = false;
    async send(options: StringSendOptions): Promise<ProduceResult> {
        assert.ok(sendOptionsValidator(options), JSON.stringify(sendOptionsValidator.errors));
        if (this.fail) throw this.fail;
        this.sent.push(options);
        return {};
    }
    async close(): Promise<void> {
        this.closed = true;
    }
    isConnected(): boolean {
        return !this.closed;
    }
}

describe("producer metrics and event sink", () => {
    it("counts sent events, errors and drops, times produce requests, and sends keyed records to the topic", async () => {
        const health = new Health("sensor_producer", 30_000);
        const producer = new RecordingProducer();
        const pacer = new Pacer({ rate: 10, maxBurst: 1 }, 0);
        pacer.take(10_000); // far behind: the backlog is dropped
        const sink = producerMetrics(health, pacer, eventSink(producer, "events"));
        await sink.send([
            { key: "A", value: '{"x":1}' },
            { key: "B", value: '{"x":2}' },
        ]);
        producer.fail = new Error("NOT_LEADER_OR_FOLLOWER");
        await assert.rejects(sink.send([{ key: "C", value: "{}" }]), /NOT_LEADER/);
        await sink.close();
        assert.ok(producer.closed);
        assert.deepEqual(producer.sent[0]!.messages, [
            { topic: "events", key: "A", value: '{"x":1}' },
            { topic: "events", key: "B", value: '{"x":2}' },
        ]);

        const server = await startHealthServer(health, 0, "127.0.0.1");
        try {
            const m = await scrape(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
            const p = "sensor_producer_";
            assert.equal(m.value(`${p}events_sent_total`), 2);
            assert.equal(m.value(`${p}produce_errors_total`), 1);
            assert.ok(m.value(`${p}events_dropped_total`)! > 0);
            assert.equal(m.value(`${p}produce_duration_seconds_count`), 1, "only acknowledged sends are timed");
            for (const [name, type] of Object.entries({
                events_sent_total: "counter",
                events_dropped_total: "counter",
                produce_errors_total: "counter",
                produce_duration_seconds: "histogram",
            })) {
                assert.equal(m.types.get(`${p}${name}`), type, name);
            }
        } finally {
            await new Promise((resolve) => server.close(resolve));
        }
    });
});
