import assert from "node:assert/strict";
import { WindowCore, type Outcome } from "../src/window-core.js";
import { encode, type Ev } from "./helpers.js";

function feed(core: WindowCore, partition: number, events: readonly Ev[], from = 0): Outcome[] {
    return events.map((e, i) => core.process(partition, BigInt(from + i), encode(e, from + i)));
}

describe("processor WindowCore", () => {
    it("rejects a window size that is not a positive integer", () => {
        assert.throws(() => new WindowCore({ windowSize: 0 }), /positive integer/);
        assert.throws(() => new WindowCore({ windowSize: 2.5 }), /positive integer/);
    });

    it("publishes the average of every 20 values of a sensor with min/max ts", () => {
        const core = new WindowCore({ windowSize: 20 });
        core.assign([0]);
        const events: Ev[] = Array.from({ length: 20 }, (_, i) => ({ sensor: "A", value: i + 1, ts: 1000 + (i % 2 === 0 ? i : -i) }));
        const out = feed(core, 0, events);
        assert.deepEqual(
            out.slice(0, 19).map((o) => o.kind),
            Array(19).fill("buffered"),
        );
        const last = out[19]!;
        assert.equal(last.kind, "result");
        if (last.kind !== "result") return;
        assert.deepEqual(last.pending.result, {
            sensor: "A",
            avg: 10.5,
            count: 20,
            windowStart: 1000 - 19,
            windowEnd: 1000 + 18,
            partial: false,
        });
        assert.equal(last.pending.key, "A");
        assert.equal(last.pending.firstOffset, 0n);
        assert.equal(last.pending.lastOffset, 19n);
    });

    it("keeps separate windows per sensor on one partition", () => {
        const core = new WindowCore({ windowSize: 2 });
        core.assign([3]);
        const out = feed(core, 3, [
            { sensor: "A", value: 1, ts: 1 },
            { sensor: "B", value: 10, ts: 2 },
            { sensor: "C", value: 100, ts: 3 },
            { sensor: "B", value: 30, ts: 4 },
            { sensor: "A", value: 3, ts: 5 },
        ]);
        const results = out.flatMap((o) => (o.kind === "result" ? [o.pending.result] : []));
        assert.deepEqual(results, [
            { sensor: "B", avg: 20, count: 2, windowStart: 2, windowEnd: 4, partial: false },
            { sensor: "A", avg: 2, count: 2, windowStart: 1, windowEnd: 5, partial: false },
        ]);
        assert.equal(core.openWindows(3), 1); // C
    });

    it("committable offset is the first offset of the oldest open window or unacked result", () => {
        const core = new WindowCore({ windowSize: 2 });
        core.assign([0]);
        assert.equal(core.committable(0), null, "nothing processed yet");
        const out = feed(core, 0, [
            { sensor: "A", value: 1, ts: 1 }, // 0
            { sensor: "B", value: 1, ts: 1 }, // 1
            { sensor: "A", value: 1, ts: 1 }, // 2 closes A [0,2]
        ]);
        assert.equal(core.committable(0), 0n, "A result not acked yet");
        const a = out[2]!;
        assert.ok(a.kind === "result");
        assert.equal(core.ack(a.pending.token), true);
        assert.equal(core.committable(0), 1n, "B still open at offset 1");
        const more = feed(core, 0, [{ sensor: "B", value: 1, ts: 1 }], 3);
        assert.equal(core.committable(0), 1n);
        assert.ok(more[0]!.kind === "result");
        core.ack(more[0]!.pending.token);
        assert.equal(core.committable(0), 4n, "nothing open: last processed + 1");
    });

    it("counts and skips malformed records and still commits past them", () => {
        const core = new WindowCore({ windowSize: 3 });
        core.assign([0]);
        const bad = ["not json", '{"id":"x","sensor":"A","value":"1","ts":1}', "[]", ""];
        bad.forEach((b, i) => {
            const o = core.process(0, BigInt(i), b);
            assert.equal(o.kind, "malformed");
        });
        assert.equal(core.process(0, 4n, null).kind, "malformed");
        assert.equal(core.stats.malformed, 5);
        assert.equal(core.committable(0), 5n);
        assert.equal(core.openWindows(0), 0);
    });

    it("skips redelivered records (offset at or below the last processed one)", () => {
        const core = new WindowCore({ windowSize: 3 });
        core.assign([0]);
        feed(core, 0, [
            { sensor: "A", value: 1, ts: 1 },
            { sensor: "A", value: 2, ts: 2 },
        ]);
        assert.equal(core.process(0, 0n, encode({ sensor: "A", value: 1, ts: 1 }, 0)).kind, "duplicate");
        assert.equal(core.process(0, 1n, encode({ sensor: "A", value: 2, ts: 2 }, 1)).kind, "duplicate");
        const third = core.process(0, 2n, encode({ sensor: "A", value: 3, ts: 3 }, 2));
        assert.ok(third.kind === "result");
        assert.equal(third.pending.result.avg, 2);
        assert.equal(core.stats.duplicates, 2);
    });

    it("accepts gaps in offsets (compaction, transaction markers)", () => {
        const core = new WindowCore({ windowSize: 2 });
        core.assign([0]);
        core.process(0, 10n, encode({ sensor: "A", value: 1, ts: 1 }, 10));
        const o = core.process(0, 15n, encode({ sensor: "A", value: 3, ts: 2 }, 15));
        assert.ok(o.kind === "result");
        assert.equal(o.pending.firstOffset, 10n);
    });

    it("ignores records of partitions it does not hold", () => {
        const core = new WindowCore({ windowSize: 2 });
        assert.equal(core.process(7, 0n, encode({ sensor: "A", value: 1, ts: 1 }, 0)).kind, "unassigned");
        assert.equal(core.committable(7), null);
    });

    it("revoke drops open windows and in-flight results without publishing; assign starts empty", () => {
        const core = new WindowCore({ windowSize: 2 });
        core.setAssignment([0, 1]);
        const out = feed(core, 0, [
            { sensor: "A", value: 1, ts: 1 },
            { sensor: "A", value: 1, ts: 1 },
            { sensor: "B", value: 5, ts: 1 },
        ]);
        feed(core, 1, [{ sensor: "C", value: 1, ts: 1 }]);
        const pendingA = out[1]!;
        assert.ok(pendingA.kind === "result");
        const change = core.setAssignment([1, 2]);
        assert.deepEqual(change, { assigned: [2], revoked: [0] });
        assert.equal(core.committable(0), null);
        assert.equal(core.ack(pendingA.pending.token), false, "late ack of a revoked partition is ignored");
        assert.equal(core.stats.windowsDroppedOnRevoke, 1);
        assert.equal(core.stats.pendingDroppedOnRevoke, 1);
        assert.equal(core.openWindows(1), 1, "kept partition keeps its window");
        core.assign([0]);
        assert.equal(core.openWindows(0), 0);
        assert.equal(
            core.process(0, 0n, encode({ sensor: "A", value: 1, ts: 1 }, 0)).kind,
            "buffered",
            "replay after re-assign is not a duplicate",
        );
        assert.deepEqual(core.assigned(), [0, 1, 2]);
    });
});
