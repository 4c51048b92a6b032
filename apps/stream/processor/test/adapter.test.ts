/**
 * The Kafka-facing adapter against an in-memory fake of the two ports it uses (result sink + offset
 * committer). This is not a broker: it checks the adapter's ordering rules, not the client library.
 */
import assert from "node:assert/strict";
import {
    StreamProcessor,
    type InboundRecord,
    type OffsetCommitter,
    type OutboundRecord,
    type PartitionOffset,
    type ResultSink,
} from "../src/adapter.js";
import { WindowCore } from "../src/window-core.js";
import { decodeResult } from "../../common/src/wire.js";
import { encode, type Ev } from "./helpers.js";

type Event = { kind: "send"; records: OutboundRecord[] } | { kind: "ack" } | { kind: "commit"; offsets: PartitionOffset[] };

/** Sink whose sends stay in flight until the test acks (or fails) them. */
class FakeBroker implements ResultSink, OffsetCommitter {
    readonly log: Event[] = [];
    readonly committed = new Map<number, bigint>();
    private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
    autoAck = false;
    failCommits = false;

    send(records: readonly OutboundRecord[]): Promise<void> {
        this.log.push({ kind: "send", records: [...records] });
        if (this.autoAck) {
            this.log.push({ kind: "ack" });
            return Promise.resolve();
        }
        return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    ackAll(): void {
        for (const w of this.waiting.splice(0)) {
            this.log.push({ kind: "ack" });
            w.resolve();
        }
    }
    failAll(): void {
        for (const w of this.waiting.splice(0)) w.reject(new Error("broker unavailable"));
    }
    get inflight(): number {
        return this.waiting.length;
    }
    async commit(offsets: readonly PartitionOffset[]): Promise<void> {
        if (this.failCommits) throw new Error("REBALANCE_IN_PROGRESS");
        this.log.push({ kind: "commit", offsets: [...offsets] });
        for (const o of offsets) this.committed.set(o.partition, o.offset);
    }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function records(partition: number, events: readonly Ev[], from = 0): InboundRecord[] {
    return events.map((e, i) => ({ partition, offset: BigInt(from + i), leaderEpoch: 4, value: encode(e, from + i) }));
}
const A = (value: number, ts = value): Ev => ({ sensor: "A", value, ts });
const B = (value: number, ts = value): Ev => ({ sensor: "B", value, ts });

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

    it("revoke during an in-flight send: the late ack does not commit the revoked partition", async () => {
        const broker = new FakeBroker();
        const p = new StreamProcessor(new WindowCore({ windowSize: 2 }), broker, broker);
        p.onAssignment([0, 1]);
        await p.handle([...records(0, [A(1), A(3)]), ...records(1, [B(5)])]);
        await tick();
        p.onAssignment([1]); // partition 0 goes to another member mid-send
        broker.ackAll();
        await p.drain();
        const commits = broker.log.filter((e) => e.kind === "commit");
        assert.deepEqual(
            commits.flatMap((c) => (c.kind === "commit" ? c.offsets.map((o) => o.partition) : [])),
            [],
            "the revoked partition is not committed; partition 1 has its B window open at its start offset",
        );
        await p.handle(records(1, [B(7)], 1));
        await tick();
        broker.ackAll();
        await p.drain();
        assert.equal(broker.committed.get(1), 2n);
        assert.equal(broker.committed.get(0), undefined);
    });

    it("records still buffered for a revoked partition are ignored; re-assignment replays from the commit", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const core = new WindowCore({ windowSize: 2 });
        const p = new StreamProcessor(core, broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [A(1)]));
        await p.drain();
        p.onAssignment([]);
        await p.handle(records(0, [A(3)], 1)); // stale record of the lost partition
        await p.drain();
        assert.equal(broker.log.filter((e) => e.kind === "send").length, 0);
        assert.equal(core.stats.unassigned, 1);
        p.onAssignment([0]); // back again: the client re-reads from the committed offset (0)
        await p.handle(records(0, [A(1), A(3)]));
        await p.drain();
        const sends = broker.log.filter((e) => e.kind === "send");
        assert.equal(sends.length, 1);
        assert.equal(broker.committed.get(0), 2n);
    });

    it("redelivery from the committed offset of a kept partition after a re-join is not double counted", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const p = new StreamProcessor(new WindowCore({ windowSize: 3 }), broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [A(1), A(2)]));
        await p.drain();
        p.onAssignment([0, 1]); // re-join, partition 0 kept; client rewinds to committed offset 0
        await p.handle(records(0, [A(1), A(2), A(3)]));
        await p.drain();
        const sends = broker.log.filter((e) => e.kind === "send");
        assert.equal(sends.length, 1);
        assert.ok(sends[0]!.kind === "send");
        assert.equal(decodeResult(sends[0]!.records[0]!.value).ok && JSON.parse(sends[0]!.records[0]!.value).avg, 2);
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

    it("two members sharing partitions through rebalances lose no message (simulated group)", async () => {
        // In-memory log of 4 partitions; members take turns; on every rebalance each member is told its new
        // assignment and resumes a newly gained partition from the group's committed offset.
        const parts = 4;
        const n = 5;
        const log: Ev[][] = Array.from({ length: parts }, (_, p) =>
            Array.from({ length: 97 + p * 13 }, (_, i) => ({ sensor: "ABC"[(i * 7 + p) % 3]!, value: i * (p + 1), ts: i })),
        );
        const broker = new FakeBroker();
        broker.autoAck = true;
        const members = [0, 1].map(() => ({ core: new WindowCore({ windowSize: n }), pos: new Map<number, number>() }));
        const procs = members.map((m) => new StreamProcessor(m.core, broker, broker));
        const assignments = [
            [
                [0, 1],
                [2, 3],
            ],
            [[0, 2, 3], [1]],
            [[1], [0, 2, 3]],
            [[0, 1, 2, 3], []],
        ];
        for (const [round, plan] of assignments.entries()) {
            plan.forEach((mine, m) => {
                procs[m]!.onAssignment(mine);
                const pos = members[m]!.pos;
                for (const p of [...pos.keys()]) if (!mine.includes(p)) pos.delete(p);
                for (const p of mine) if (!pos.has(p)) pos.set(p, Number(broker.committed.get(p) ?? 0n));
            });
            const steps = round === assignments.length - 1 ? Infinity : 30;
            for (const [m, member] of members.entries()) {
                for (const [p, start] of member.pos) {
                    const end = Math.min(log[p]!.length, start + steps);
                    await procs[m]!.handle(records(p, log[p]!.slice(start, end), start));
                    await procs[m]!.drain();
                    member.pos.set(p, end);
                }
            }
        }
        // Results published per sensor: every value below the final commit is covered at least once.
        const published = broker.log.flatMap((e) =>
            e.kind === "send" ? e.records.map((r) => JSON.parse(r.value) as { count: number }) : [],
        );
        const covered = published.reduce((s, r) => s + r.count, 0);
        const belowCommit = [...Array(parts).keys()].reduce((s, p) => s + Number(broker.committed.get(p) ?? 0n), 0);
        assert.ok(covered >= belowCommit, `${covered} values in results, ${belowCommit} messages below the commits`);
        for (let p = 0; p < parts; p++) {
            const c = Number(broker.committed.get(p));
            assert.ok(c > log[p]!.length - 3 * n, `partition ${p} committed ${c} of ${log[p]!.length}`);
        }
    });
});
