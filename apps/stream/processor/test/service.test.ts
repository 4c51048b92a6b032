/**
 * The processor's consume loop (src/service.ts) and its wiring (src/kafka.ts) run against the in-memory Kafka
 * STAND-IN (test/support/kafka-standin.ts), which implements @platformatic/kafka's Consumer, MessagesStream and
 * Producer slices and checks every call's options with the library's own validators. Metrics are read from the
 * real /metrics endpoint. Not a broker: see apps/stream/README.md for what only a real one shows.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { Consumer, Producer } from "@platformatic/kafka";
import { Health, startHealthServer } from "../../common/src/health.js";
import { createProducer, type ProducerPort } from "../../common/src/kafka.js";
import type { Logger } from "../../common/src/log.js";
import { decodeResult, encodeEvent, type WindowResult } from "../../common/src/wire.js";
import { scrape } from "../../common/test/support/prometheus.js";
import { createConsumer, type ConsumerPort } from "../src/kafka.js";
import { runProcessor, type LoopConfig } from "../src/service.js";
import { KafkaStandIn } from "./support/kafka-standin.js";

const config: LoopConfig = {
    inputTopic: "events",
    outputTopic: "results",
    windowSize: 5,
    windowMaxSpan: 50,
    windowIdleMs: 60_000,
    lagPollMs: 100,
};

interface Harness {
    readonly cluster: KafkaStandIn;
    readonly base: string;
    readonly health: Health;
    readonly logs: { level: string; msg: string }[];
    readonly controller: AbortController;
    readonly run: Promise<unknown>;
    readonly consumer: ReturnType<KafkaStandIn["consumer"]>;
    readonly producer: ReturnType<KafkaStandIn["producer"]>;
    results(): WindowResult[];
    committed(partition: number): bigint | undefined;
    stop(): Promise<void>;
}

let server: Server | undefined;
afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
});

async function start(partitions: number, overrides: Partial<LoopConfig> = {}): Promise<Harness> {
    const cluster = new KafkaStandIn(1);
    cluster.createTopic("events", partitions);
    cluster.createTopic("results", 1);
    const health = new Health("sensor_processor", 30_000);
    server = await startHealthServer(health, 0, "127.0.0.1");
    const logs: { level: string; msg: string }[] = [];
    const log: Logger = (level, msg) => logs.push({ level, msg });
    const consumer = cluster.consumer("sensor-processor");
    const producer = cluster.producer();
    const controller = new AbortController();
    const run = runProcessor({ consumer, producer, config: { ...config, ...overrides }, health, log, signal: controller.signal });
    run.catch(() => undefined); // asserted by the tests that expect a failure
    return {
        cluster,
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        health,
        logs,
        controller,
        run,
        consumer,
        producer,
        results: () =>
            cluster.read("results", 0).map((r) => {
                const d = decodeResult(r.value);
                assert.ok(d.ok, "every result record decodes");
                return d.value;
            }),
        committed: (p) => cluster.committed("sensor-processor", "events", p),
        async stop() {
            controller.abort();
            await run;
        },
    };
}

/** A loopback port nothing listens on (bound once by us, then released). */
function closedPort(): Promise<number> {
    const probe = createServer();
    return new Promise((resolve) =>
        probe.listen(0, "127.0.0.1", () => {
            const { port } = probe.address() as AddressInfo;
            probe.close(() => resolve(port));
        }),
    );
}

function send(cluster: KafkaStandIn, partition: number, sensor: string, value: number, ts = 1_700_000_000_000): void {
    cluster.append("events", partition, encodeEvent({ id: `e-${Math.random()}`, sensor, value, ts }), sensor);
}

describe("processor loop on the @platformatic/kafka stand-in", () => {
    it("the real Consumer and Producer satisfy the ports the loop uses (constructed, never connected)", async () => {
        const consumer: ConsumerPort = createConsumer({ brokers: ["127.0.0.1:1"], clientId: "c", groupId: "g" });
        const producer: ProducerPort = createProducer({ brokers: ["127.0.0.1:1"], clientId: "p" });
        assert.ok(consumer instanceof Consumer);
        assert.ok(producer instanceof Producer);
        await consumer.close();
        await producer.close();
    });

    it(
        "a stop while no broker has answered yet (real clients, closed port) " + "ends the loop cleanly instead of waiting out the retries",
        async () => {
            const dead = await closedPort();
            const consumer = createConsumer({ brokers: [`127.0.0.1:${dead}`], clientId: "c", groupId: "g" });
            const producer = createProducer({ brokers: [`127.0.0.1:${dead}`], clientId: "p" });
            // The first refused connection: from here on the client is retrying (for about 15 s before the fix).
            const refused = new Promise((resolve) => consumer.once("client:broker:failed", resolve));
            const controller = new AbortController();
            const logs: string[] = [];
            const run = runProcessor({
                consumer,
                producer,
                config,
                health: new Health("sensor_processor", 30_000),
                log: (_level, msg) => logs.push(msg),
                signal: controller.signal,
            });
            await refused;
            controller.abort();
            const stats = await run; // resolves: a stop, not a failure
            assert.equal(stats.processed, 0);
            assert.ok(consumer.closed && producer.closed, "both clients closed");
            assert.ok(
                logs.some((m) => m.startsWith("stopped before consuming")),
                logs.join("\n"),
            );
        },
    );

    it("consumes, publishes results, commits after the acks, and exports the contract metrics on /metrics", async () => {
        const h = await start(2);
        for (let i = 0; i < 10; i++) send(h.cluster, 0, "A", i);
        for (let i = 0; i < 5; i++) send(h.cluster, 1, "B", 10);
        send(h.cluster, 1, "C", 99); // C stays open: holds partition 1's commit at offset 5
        await h.cluster.until(() => h.committed(0) === 10n && h.committed(1) === 5n, "commits 10 and 5");
        h.consumer.heartbeat();
        assert.equal((await fetch(`${h.base}/healthz`)).status, 200);
        assert.deepEqual(
            h
                .results()
                .map((r) => [r.sensor, r.avg, r.count, r.partial])
                .sort(),
            [
                ["A", 2, 5, false],
                ["A", 7, 5, false],
                ["B", 10, 5, false],
            ],
        );
        send(h.cluster, 0, "A", 1); // log end of partition 0 moves to 11: lag 1 while A's window is open
        await h.cluster.until(() => h.health.value("records_total") === 17, "17 records");
        // Polls never overlap, so once a second poll started after the append, one that saw the new log end landed.
        const polls = h.cluster.stats.listOffsetsRequests;
        await h.cluster.until(() => h.cluster.stats.listOffsetsRequests >= polls + 2, "a lag poll after the append");
        const m = await scrape(h.base);
        const p = "sensor_processor_";
        assert.equal(m.value(`${p}records_total`), 17);
        assert.equal(m.value(`${p}results_total`), 3);
        assert.equal(m.value(`${p}malformed_total`), 0);
        assert.ok(m.value(`${p}commits_total`)! >= 2);
        assert.equal(m.value(`${p}windows_closed_total{reason="complete"}`), 3);
        assert.equal(m.value(`${p}windows_closed_total{reason="idle"}`), 0);
        assert.equal(m.value(`${p}committed_offset{topic="events",partition="0"}`), 10);
        assert.equal(m.value(`${p}committed_offset{topic="events",partition="1"}`), 5);
        assert.equal(m.value(`${p}consumer_lag{topic="events",partition="0"}`), 1);
        assert.equal(m.value(`${p}consumer_lag{topic="events",partition="1"}`), 1);
        for (const [name, type] of Object.entries({
            records_total: "counter",
            malformed_total: "counter",
            results_total: "counter",
            commits_total: "counter",
            windows_closed_total: "counter",
            committed_offset: "gauge",
            consumer_lag: "gauge",
            produce_duration_seconds: "histogram",
            commit_duration_seconds: "histogram",
            window_latency_seconds: "histogram",
        }))
            assert.equal(m.types.get(`${p}${name}`), type, name);
        assert.ok(m.value(`${p}produce_duration_seconds_count`)! >= 1);
        assert.ok(m.value(`${p}produce_duration_seconds_sum`)! >= 0.001, "a produce takes at least the stand-in round trip");
        assert.equal(m.value(`${p}produce_duration_seconds_bucket{le="+Inf"}`), m.value(`${p}produce_duration_seconds_count`));
        assert.equal(m.value(`${p}commit_duration_seconds_count`), m.value(`${p}commits_total`));
        assert.equal(m.value(`${p}window_latency_seconds_count`), 3);
        assert.equal(m.value(`${p}healthy`), 1);
        await h.stop();
        assert.ok(h.consumer.closed && h.producer.closed, "consumer and producer closed on stop");
    });

    it("a quiet sensor does not pin the commit through the whole loop (1 reading of D, then 10,000 of A)", async () => {
        const h = await start(1, { windowSize: 20, windowMaxSpan: 1000 });
        send(h.cluster, 0, "D", 4);
        for (let i = 0; i < 10_000; i++) send(h.cluster, 0, "A", i);
        await h.cluster.until(
            () => (h.committed(0) ?? 0n) >= 10_001n - 1000n && h.health.value("records_total") === 10_001,
            "commit past D",
        );
        await h.stop();
        const d = h.results().filter((r) => r.sensor === "D");
        assert.deepEqual(
            d.map((r) => [r.count, r.partial]),
            [[1, true]],
        );
        const m = await scrape(h.base);
        assert.equal(m.value('sensor_processor_windows_closed_total{reason="idle"}'), 1);
        assert.equal(m.value('sensor_processor_windows_closed_total{reason="complete"}'), 500);
    });

    it("idle windows close on the wall clock, publish partial results, and the commit reaches the log end", async () => {
        const h = await start(1, { windowIdleMs: 200 });
        send(h.cluster, 0, "A", 1);
        send(h.cluster, 0, "A", 3);
        await h.cluster.until(() => h.committed(0) === 2n, "idle flush and commit");
        assert.deepEqual(
            h.results().map((r) => [r.sensor, r.avg, r.count, r.partial]),
            [["A", 2, 2, true]],
        );
        await h.stop();
    });

    it("a rebalance through the join event: revoked partition dropped, re-read from the commit, nothing lost", async () => {
        const h = await start(2);
        for (let i = 0; i < 7; i++) send(h.cluster, 0, "A", 1);
        for (let i = 0; i < 7; i++) send(h.cluster, 1, "B", 2);
        await h.cluster.until(() => h.committed(0) === 5n && h.committed(1) === 5n, "first windows");
        h.consumer.rebalance([0]); // partition 1 goes elsewhere: its open window (offsets 5, 6) is dropped
        for (let i = 0; i < 3; i++) send(h.cluster, 0, "A", 1);
        await h.cluster.until(() => h.committed(0) === 10n, "partition 0 continues");
        h.consumer.rebalance([0, 1]); // back: re-read from committed offset 5
        for (let i = 0; i < 3; i++) send(h.cluster, 1, "B", 2);
        await h.cluster.until(() => h.committed(1) === 10n, "partition 1 replayed and continued");
        const b = h.results().filter((r) => r.sensor === "B");
        assert.deepEqual(
            b.map((r) => r.count),
            [5, 5],
            "every B value counted exactly once here",
        );
        await h.stop();
    });

    it("a failed produce stops the loop without committing past the lost results, and closes the clients", async () => {
        const h = await start(1);
        h.cluster.failProduce = new Error("NOT_ENOUGH_REPLICAS");
        for (let i = 0; i < 6; i++) send(h.cluster, 0, "A", i);
        await assert.rejects(h.run, /NOT_ENOUGH_REPLICAS/);
        assert.equal(h.committed(0), undefined);
        assert.ok(h.consumer.closed && h.producer.closed);
    });
});
