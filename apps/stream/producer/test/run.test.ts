import assert from "node:assert/strict";
import { decodeEvent } from "../../common/src/wire.js";
import { EventGenerator, seededRandom } from "../src/generator.js";
import { Pacer } from "../src/pacer.js";
import { runProducer, systemScheduler, type EventRecord, type EventSink, type Scheduler } from "../src/run.js";
import { readProducerConfig } from "../src/config.js";
import { createServer, type AddressInfo } from "node:net";
import { createProducer } from "../../common/src/kafka.js";
import { eventSink } from "../src/kafka.js";

/** Simulated time: wakeAt jumps the clock to the requested time instead of waiting. */
class FakeScheduler implements Scheduler {
    wakeups = 0;
    constructor(public t: number) {}
    now(): number {
        return this.t;
    }
    async wakeAt(at: number): Promise<void> {
        this.wakeups++;
        this.t = Math.max(this.t, at);
    }
}

class RecordingSink implements EventSink {
    readonly sent: { at: number; records: EventRecord[] }[] = [];
    closed = false;
    constructor(
        private readonly clock: () => number,
        private readonly onSend?: (n: number) => void,
    ) {}
    async send(records: readonly EventRecord[]): Promise<void> {
        if (this.closed) throw new Error("send after close");
        this.sent.push({ at: this.clock(), records: [...records] });
        this.onSend?.(this.sent.length);
    }
    async close(): Promise<void> {
        this.closed = true;
    }
    connected(): boolean {
        return !this.closed;
    }
}

describe("producer run loop (simulated clock)", () => {
    it("sends 10 msg/s for sensors A, B, C keyed by sensor, then flushes and closes on abort", async () => {
        const sched = new FakeScheduler(1_700_000_000_000);
        const controller = new AbortController();
        const start = sched.t;
        const sink = new RecordingSink(
            () => sched.t,
            () => {
                if (sched.t - start >= 60_000) controller.abort();
            },
        );
        const stats = await runProducer({
            pacer: new Pacer({ rate: 10 }, start),
            generator: new EventGenerator("test", ["A", "B", "C"], seededRandom(42)),
            sink,
            scheduler: sched,
            signal: controller.signal,
        });
        assert.equal(stats.sent, 601, "60 s at 10 msg/s, first at t=0");
        assert.equal(sink.closed, true);
        const events = sink.sent.flatMap((b) => b.records.map((r) => ({ key: r.key, decoded: decodeEvent(r.value) })));
        assert.ok(events.every((e) => e.decoded.ok));
        const values = events.map((e) => (e.decoded.ok ? e.decoded.value : null)!);
        assert.deepEqual(
            values.slice(0, 4).map((v) => v.sensor),
            ["A", "B", "C", "A"],
        );
        assert.ok(
            events.every((e, i) => e.key === values[i]!.sensor),
            "keyed by sensor",
        );
        assert.equal(new Set(values.map((v) => v.id)).size, values.length, "ids are unique");
        // Event times follow the schedule: exactly 100 ms apart.
        for (let i = 1; i < values.length; i++) assert.equal(values[i]!.ts - values[i - 1]!.ts, 100);
        assert.equal(sched.wakeups, 600, "one wake-up per message: no busy loop");
    });

    it("a slow broker gets batches (backpressure) rather than a growing backlog", async () => {
        const sched = new FakeScheduler(0);
        const controller = new AbortController();
        let sends = 0;
        const sink: EventSink = {
            async send() {
                sends++;
                sched.t += 350; // each ack takes 350 ms
                if (sched.t > 10_000) controller.abort();
            },
            async close() {},
            connected: () => true,
        };
        const stats = await runProducer({
            pacer: new Pacer({ rate: 10 }, 0),
            generator: new EventGenerator("slow", ["A", "B", "C"], seededRandom(1)),
            sink,
            scheduler: sched,
            signal: controller.signal,
        });
        assert.ok(stats.sent >= 95 && stats.sent <= 106, `sent ${stats.sent}`);
        assert.ok(sends < stats.sent / 2, "several events per send");
    });

    it("the real scheduler wakes early on abort (SIGTERM path) instead of waiting out the timer", async () => {
        const controller = new AbortController();
        const started = Date.now();
        const waiting = systemScheduler.wakeAt(Date.now() + 60_000, controller.signal);
        controller.abort();
        await waiting;
        assert.ok(Date.now() - started < 1000);
    });

    it(
        "a stop while no broker has answered yet (real client, " + "closed port) gives up the batch instead of waiting out the retries",
        async () => {
            const probe = createServer();
            const dead = await new Promise<number>((resolve) =>
                probe.listen(0, "127.0.0.1", () => {
                    const { port } = probe.address() as AddressInfo;
                    probe.close(() => resolve(port));
                }),
            );
            const producer = createProducer({ brokers: [`127.0.0.1:${dead}`], clientId: "p" });
            // The first refused connection: the first send is now being retried (a few seconds, then a failure).
            const refused = new Promise((resolve) => producer.once("client:broker:failed", resolve));
            const controller = new AbortController();
            const run = runProducer({
                pacer: new Pacer({ rate: 10 }, Date.now()),
                generator: new EventGenerator("dead", ["A"], seededRandom(3)),
                sink: eventSink(producer, "events"),
                scheduler: systemScheduler,
                signal: controller.signal,
            });
            await refused;
            controller.abort();
            const stats = await run; // resolves: a stop, not a failure
            assert.deepEqual(stats, { sent: 0, batches: 0, unacknowledged: 1 });
            assert.ok(producer.closed);
        },
    );

    it("a stop while a connected broker is acknowledging waits for the ack (the batch is flushed, not given up)", async () => {
        const sched = new FakeScheduler(0);
        const controller = new AbortController();
        let ack: () => void = () => undefined;
        const sink: EventSink = {
            send: () => new Promise<void>((resolve) => ((ack = resolve), controller.abort())),
            async close() {},
            connected: () => true,
        };
        const run = runProducer({
            pacer: new Pacer({ rate: 10 }, 0),
            generator: new EventGenerator("flush", ["A"], seededRandom(4)),
            sink,
            scheduler: sched,
            signal: controller.signal,
        });
        ack();
        assert.deepEqual(await run, { sent: 1, batches: 1, unacknowledged: 0 });
    });

    it("generator values stay in a plausible band per sensor and are reproducible", () => {
        const a = new EventGenerator("x", ["A", "B", "C"], seededRandom(7));
        const b = new EventGenerator("x", ["A", "B", "C"], seededRandom(7));
        for (let i = 0; i < 3000; i++) {
            const e = a.next(i);
            assert.deepEqual(e, b.next(i));
            assert.ok(Math.abs(e.value - (20 + 10 * (i % 3))) < 25, `${e.sensor}=${e.value}`);
        }
    });
});

describe("producer config", () => {
    it("defaults: topic events, 10 msg/s, sensors A,B,C", () => {
        const c = readProducerConfig({ KAFKA_BOOTSTRAP: "kafka-0.kafka:9092,[::1]:9093" });
        assert.deepEqual(c.brokers, ["kafka-0.kafka:9092", "[::1]:9093"]);
        assert.equal(c.topic, "events");
        assert.equal(c.rate, 10);
        assert.deepEqual(c.sensors, ["A", "B", "C"]);
    });
    it("explains what is wrong", () => {
        assert.throws(() => readProducerConfig({}), /KAFKA_BOOTSTRAP is required but not set/);
        assert.throws(() => readProducerConfig({ KAFKA_BOOTSTRAP: "k:1", RATE: "-3" }), /RATE="-3" must be a number between/);
        assert.throws(() => readProducerConfig({ KAFKA_BOOTSTRAP: "k:1", SENSORS: "A,A" }), /lists a value twice/);
    });
});
