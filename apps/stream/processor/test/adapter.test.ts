/**
 * The Kafka-facing adapter against an in-memory fake of the two ports it uses (result sink + offset
 * committer): commits follow acks, failures, pipelining, backpressure and flushing. This is not a
 * broker: it checks the adapter's ordering rules, not the client library. Rebalances:
 * adapter-rebalance.test.ts.
 */
import assert from "node:assert/strict";
import { StreamProcessor } from "../src/adapter.js";
import { WindowCore } from "../src/window-core.js";
import { decodeResult } from "../../common/src/wire.js";
import { type Ev } from "./helpers.js";
import { A, B, FakeBroker, records, tick } from "./support/fakeBroker.js";

describe("processor adapter with an in-memory fake client", () => {
    it("commits only after the broker acknowledged the results", async () => {
        const broker = new FakeBroker();
        const p = new StreamProcessor(new WindowCore({ windowSize: 2 }), broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [A(1), A(3)])); // returns before the ack: the send is pipelined
        await tick();
        assert.equal(broker.inflight, 1);
        assert.deepEqual(
            broker.log.map((e) => e.kind),
            ["send"],
            "no commit while the result is in flight",
        );
        broker.ackAll();
        await p.drain();
        assert.deepEqual(
            broker.log.map((e) => e.kind),
            ["send", "ack", "commit"],
        );
        const sent = broker.log[0]!;
        assert.ok(sent.kind === "send");
        assert.equal(sent.records[0]!.key, "A");
        assert.deepEqual(decodeResult(sent.records[0]!.value), {
            ok: true,
            value: { sensor: "A", avg: 2, count: 2, windowStart: 1, windowEnd: 3, partial: false },
        });
        assert.deepEqual(broker.committed.get(0), 2n);
        const commit = broker.log[2]!;
        assert.ok(commit.kind === "commit");
        assert.equal(commit.offsets[0]!.leaderEpoch, 4);
    });

    it("holds the commit at the oldest open window of another sensor", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const p = new StreamProcessor(new WindowCore({ windowSize: 2 }), broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [B(7), A(1), A(3)]));
        await p.drain();
        assert.equal(broker.committed.get(0), undefined, "B opened at offset 0 is still open: nothing to commit past the start");
        await p.handle(records(0, [B(9)], 3));
        await p.drain();
        assert.equal(broker.committed.get(0), 4n);
    });

    it("does not commit when the send fails, and surfaces the error", async () => {
        const broker = new FakeBroker();
        const p = new StreamProcessor(new WindowCore({ windowSize: 1 }), broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [A(1)]));
        await tick();
        broker.failAll();
        await assert.rejects(p.drain(), /broker unavailable/);
        await assert.rejects(p.handle(records(0, [A(2)], 1)), /broker unavailable/, "no further records are taken");
        assert.equal(broker.committed.size, 0);
    });

    it("a failed commit is logged and retried with a later batch, never skipped past unacked data", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const warnings: string[] = [];
        const p = new StreamProcessor(new WindowCore({ windowSize: 1 }), broker, broker, {
            log: (level, msg) => {
                if (level === "warn") warnings.push(msg);
            },
        });
        p.onAssignment([0]);
        broker.failCommits = true;
        await p.handle(records(0, [A(1)]));
        await p.drain();
        assert.equal(broker.committed.size, 0);
        assert.ok(warnings.length >= 1);
        broker.failCommits = false;
        await p.handle(records(0, [A(2)], 1));
        await p.drain();
        assert.equal(broker.committed.get(0), 2n);
    });

    it("malformed records are reported and committed past", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const bad: [number, bigint, string][] = [];
        const p = new StreamProcessor(new WindowCore({ windowSize: 2 }), broker, broker, { onMalformed: (...a) => bad.push(a) });
        p.onAssignment([0]);
        await p.handle([
            { partition: 0, offset: 0n, leaderEpoch: 0, value: "garbage" },
            { partition: 0, offset: 1n, leaderEpoch: 0, value: null },
        ]);
        await p.drain();
        assert.deepEqual(
            bad.map(([part, off]) => [part, off]),
            [
                [0, 0n],
                [0, 1n],
            ],
        );
        assert.match(bad[0]![2], /JSON/);
        assert.equal(broker.committed.get(0), 2n);
    });

    it("pipelines: results closed while a send is in flight go out together in the next request, commits follow acks", async () => {
        const broker = new FakeBroker();
        const p = new StreamProcessor(new WindowCore({ windowSize: 1 }), broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [A(1)]));
        for (let o = 1; o < 6; o++) await p.handle(records(0, [A(o + 1)], o)); // none of these waits for an ack
        await tick();
        assert.deepEqual(
            broker.log.map((e) => e.kind),
            ["send"],
            "one produce request in flight, nothing committed",
        );
        broker.ackAll();
        await tick();
        const second = broker.log.filter((e) => e.kind === "send")[1];
        assert.ok(second?.kind === "send");
        assert.equal(second.records.length, 5, "the five results queued meanwhile share one request");
        assert.equal(broker.committed.get(0), 1n, "commit covers only the acknowledged first result");
        broker.ackAll();
        await p.drain();
        assert.equal(broker.committed.get(0), 6n);
    });

    it("handle() waits once maxQueuedResults results are queued or in flight (backpressure)", async () => {
        const broker = new FakeBroker();
        const p = new StreamProcessor(new WindowCore({ windowSize: 1 }), broker, broker, {}, { maxQueuedResults: 3 });
        p.onAssignment([0]);
        await p.handle(records(0, [A(1), A(2)]));
        let returned = false;
        const third = p.handle(records(0, [A(3)], 2)).then(() => (returned = true));
        await tick();
        assert.equal(returned, false, "three results in the pipeline: the caller waits");
        broker.ackAll();
        await tick();
        broker.ackAll();
        await third;
        await p.drain();
        assert.equal(broker.committed.get(0), 3n);
    });

    it("a quiet sensor does not pin the commit: 1 reading of D, then 10,000 of A on the same partition", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const p = new StreamProcessor(new WindowCore({ windowSize: 20, maxSpan: 1000 }), broker, broker);
        p.onAssignment([0]);
        const events: Ev[] = [{ sensor: "D", value: 7, ts: 0 }, ...Array.from({ length: 10_000 }, (_, i) => A(i, i + 1))];
        await p.handle(records(0, events));
        await p.drain();
        const committed = broker.committed.get(0)!;
        assert.ok(committed >= 10_001n - 1000n, `committed ${committed}, replay bound is 1000 offsets`);
        const results = broker.log.flatMap((e) =>
            e.kind === "send" ? e.records.map((r) => JSON.parse(r.value) as { sensor: string; count: number; partial: boolean }) : [],
        );
        assert.deepEqual(
            results.filter((r) => r.sensor === "D"),
            [{ sensor: "D", avg: 7, count: 1, windowStart: 0, windowEnd: 0, partial: true }],
        );
        assert.ok(results.filter((r) => r.sensor === "A").every((r) => r.count === 20 && !r.partial));
    });

    it("idle windows are flushed by wall-clock age as partial results and the commit advances", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        let now = 0;
        const p = new StreamProcessor(new WindowCore({ windowSize: 20 }), broker, broker, {}, { clock: () => now });
        p.onAssignment([0]);
        await p.handle(records(0, [A(1), B(2), A(3)]));
        await p.drain();
        assert.equal(broker.committed.get(0), undefined, "windows open since offset 0");
        now = 59_999;
        p.flushIdle(60_000);
        await p.drain();
        assert.equal(broker.log.filter((e) => e.kind === "send").length, 0, "not idle yet");
        now = 60_000;
        p.flushIdle(60_000);
        await p.drain();
        assert.equal(broker.committed.get(0), 3n);
        const results = broker.log.flatMap((e) => (e.kind === "send" ? e.records.map((r) => JSON.parse(r.value) as unknown) : []));
        assert.deepEqual(results, [
            { sensor: "A", avg: 2, count: 2, windowStart: 1, windowEnd: 3, partial: true },
            { sensor: "B", avg: 2, count: 1, windowStart: 2, windowEnd: 2, partial: true },
        ]);
    });
});
