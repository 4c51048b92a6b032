/**
 * Benchmark of one processor replica's full path: fetch -> decode -> window -> encode -> produce -> commit,
 * through the same consume loop main.ts runs (src/service.ts), against the in-memory Kafka STAND-IN of
 * test/support/kafka-standin.ts, which charges a round trip (RTT_MS, default 2) per fetch, produce and commit
 * request. Prints messages per second from the first fetch until the last result is acknowledged and its
 * offsets committed; also the processing core alone (no I/O). Not a test: nothing is asserted.
 *
 *   npm run bench                     # in apps/stream/processor
 *   RTT_MS=5 MESSAGES=200000 npm run bench
 */
import { Health } from "../../common/src/health.js";
import { encodeEvent } from "../../common/src/wire.js";
import { runProcessor } from "../src/service.js";
import { WindowCore } from "../src/window-core.js";
import { KafkaStandIn } from "../test/support/kafka-standin.js";

const rttMs = Number(process.env.RTT_MS ?? 2);
const total = Number(process.env.MESSAGES ?? 100_000);
const partitions = Number(process.env.PARTITIONS ?? 3);
const sensors = "ABCDEF";
const windowSize = 20;

function payload(i: number): { sensor: string; value: string } {
    const sensor = sensors[i % sensors.length]!;
    return {
        sensor,
        value: encodeEvent({ id: `bench-${i}`, sensor, value: Math.round(Math.sin(i) * 1000) / 10, ts: 1_700_000_000_000 + i * 100 }),
    };
}

async function fullPath(): Promise<void> {
    const cluster = new KafkaStandIn(rttMs);
    cluster.createTopic("events", partitions);
    cluster.createTopic("results", 1);
    for (let i = 0; i < total; i++) {
        const { sensor, value } = payload(i);
        // Keyed by sensor, like the producer: each sensor stays on one partition, two sensors share one.
        cluster.append("events", sensors.indexOf(sensor) % partitions, value, sensor);
    }
    const health = new Health("sensor_processor", 30_000);
    const start = performance.now();
    const stats = await runProcessor({
        consumer: cluster.consumer("bench", { endWhenCaughtUp: true }),
        producer: cluster.producer(),
        config: {
            inputTopic: "events",
            outputTopic: "results",
            windowSize,
            windowMaxSpan: 10_000,
            windowIdleMs: 60_000,
            lagPollMs: 60_000,
        },
        health,
        log: () => undefined,
        signal: new AbortController().signal,
    });
    const seconds = (performance.now() - start) / 1000;
    const committed = [...Array(partitions).keys()].map((p) => cluster.committed("bench", "events", p) ?? 0n);
    const rate = Math.round(stats.processed / seconds);
    const s = cluster.stats;
    console.log(
        `full path at ${rttMs} ms RTT (stand-in broker): ${rate.toLocaleString("en-US")} msg/s ` +
            `(${stats.processed} messages in ${seconds.toFixed(2)} s; ` +
            `${stats.resultsAcked} results in ${s.produceRequests} produce requests, ` +
            `${s.commitRequests} commits, ${s.fetchRequests} fetches; committed ${committed.join("/")})`,
    );
    console.log(`goal >= 10,000 msg/s per replica at 2 ms RTT: ${rate >= 10_000 ? "met" : "NOT met"}`);
}

function coreOnly(): void {
    const count = 300_000;
    const payloads = Array.from({ length: 3000 }, (_, i) => Buffer.from(payload(i).value));
    const core = new WindowCore({ windowSize, maxSpan: 10_000 });
    core.assign([...Array(partitions).keys()]);
    const offsets = new Array<bigint>(partitions).fill(0n);
    const run = (n: number): void => {
        for (let i = 0; i < n; i++) {
            const p = i % partitions;
            const out = core.process(p, offsets[p]!, payloads[i % payloads.length]);
            offsets[p]!++;
            if (out.kind === "result") core.ack(out.pending.token);
            if ((i & 1023) === 0) core.committable(p);
        }
    };
    run(20_000); // warm-up
    const start = performance.now();
    run(count);
    const seconds = (performance.now() - start) / 1000;
    console.log(`processing core alone (decode + window + offsets, no I/O): ${Math.round(count / seconds).toLocaleString("en-US")} msg/s`);
}

coreOnly();
await fullPath();
