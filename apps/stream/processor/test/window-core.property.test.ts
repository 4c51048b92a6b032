import assert from "node:assert/strict";
import fc from "fast-check";
import { WindowCore, type PendingResult } from "../src/window-core.js";
import { encode, reference, type Ev } from "./helpers.js";

const sensorArb = fc.constantFrom("A", "B", "C");
const goodEvent: fc.Arbitrary<Ev> = fc.record({
    sensor: sensorArb,
    value: fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
    ts: fc.integer({ min: 0, max: 2_000_000_000_000 }),
});
const badEvent: fc.Arbitrary<Ev> = fc
    .constantFrom("{", "null", '{"sensor":"A"}', '{"id":"x","sensor":"A","value":null,"ts":1}', "\u0000")
    .map((bad) => ({ sensor: "", value: 0, ts: 0, bad }));
const streamArb = (max: number) =>
    fc.array(fc.oneof({ weight: 12, arbitrary: goodEvent }, { weight: 1, arbitrary: badEvent }), { maxLength: max });
const singleSensorStream = (max: number) =>
    fc.array(
        goodEvent.map((e) => ({ ...e, sensor: "A" })),
        { maxLength: max },
    );
const windowArb = fc.integer({ min: 1, max: 25 });

interface Run {
    /** Results acknowledged by the broker, with the offsets of their window (tracked by the test). */
    acked: { result: PendingResult; offsets: number[] }[];
    committed: bigint | null;
}

/**
 * Drives one owner of partition 0 over events[from..to), acking in-flight results in an order chosen by
 * `ackChoices` (some may never be acked), committing committable() after every step, and checking the
 * invariants on the way. The test keeps its own record of which offsets went into which window.
 */
function runOwner(core: WindowCore, events: readonly Ev[], from: number, to: number, ackChoices: readonly number[]): Run {
    const run: Run = { acked: [], committed: null };
    const members = new Map<string, number[]>();
    const inflight: { result: PendingResult; offsets: number[] }[] = [];
    const ackedOffsets = new Set<number>();
    let choice = 0;
    for (let o = from; o < to; o++) {
        const e = events[o]!;
        const out = core.process(0, BigInt(o), encode(e, o));
        if (e.bad === undefined) {
            const m = members.get(e.sensor) ?? [];
            m.push(o);
            members.set(e.sensor, m);
        }
        if (out.kind === "result") {
            const offsets = members.get(out.pending.key)!;
            members.delete(out.pending.key);
            assert.equal(offsets.length, core.windowSize);
            inflight.push({ result: out.pending, offsets });
        }
        // ack zero or more in-flight results, in any order
        const k = ackChoices[choice++ % Math.max(1, ackChoices.length)] ?? 0;
        if (inflight.length > 0 && k % 3 !== 0) {
            const [done] = inflight.splice(k % inflight.length, 1);
            assert.equal(core.ack(done!.result.token), true);
            run.acked.push(done!);
            for (const off of done!.offsets) ackedOffsets.add(off);
        }
        assert.ok(core.maxOpenWindowCount() < core.windowSize, "an open window never reaches N values");
        const c = core.committable(0);
        assert.ok(c !== null);
        if (run.committed !== null) assert.ok(c >= run.committed, "committable offset never moves backwards");
        run.committed = c;
        // Committed offset never passes a well-formed message whose result is not acknowledged.
        for (let m = from; m < Number(c); m++) {
            if (events[m]!.bad === undefined) assert.ok(ackedOffsets.has(m), `offset ${m} below commit ${c} but not in an acked result`);
        }
    }
    return run;
}

function checkAverages(events: readonly Ev[], acked: Run["acked"]): void {
    for (const { result, offsets } of acked) {
        let sum = 0;
        for (const o of offsets) sum += events[o]!.value;
        assert.equal(result.result.avg, sum / offsets.length);
        assert.equal(result.result.count, offsets.length);
        assert.equal(result.result.windowStart, Math.min(...offsets.map((o) => events[o]!.ts)));
        assert.equal(result.result.windowEnd, Math.max(...offsets.map((o) => events[o]!.ts)));
        assert.ok(offsets.every((o) => events[o]!.sensor === result.key));
    }
}

describe("processor WindowCore properties (fast-check)", () => {
    it("results equal a reference computation and windows never exceed N", () => {
        fc.assert(
            fc.property(streamArb(300), windowArb, (events, n) => {
                const core = new WindowCore({ windowSize: n });
                core.assign([0]);
                const got = [];
                for (let o = 0; o < events.length; o++) {
                    const out = core.process(0, BigInt(o), encode(events[o]!, o));
                    if (out.kind === "result") {
                        got.push(out.pending.result);
                        core.ack(out.pending.token);
                    }
                    assert.ok(core.maxOpenWindowCount() < n);
                }
                const ref = reference(events, n);
                assert.deepEqual(
                    got,
                    ref.results.map(({ offsets: _o, ...r }) => r),
                );
                assert.equal(core.stats.malformed, events.filter((e) => e.bad !== undefined).length);
            }),
            { numRuns: 200 },
        );
    });

    it("commit never passes an unpublished message, with acks in any order", () => {
        fc.assert(
            fc.property(streamArb(200), windowArb, fc.array(fc.nat(50), { maxLength: 40 }), (events, n, acks) => {
                const core = new WindowCore({ windowSize: n });
                core.assign([0]);
                const run = runOwner(core, events, 0, events.length, acks);
                checkAverages(events, run.acked);
            }),
            { numRuns: 200 },
        );
    });

    it("revoke + replay from the committed offset by a new owner loses nothing (at-least-once)", () => {
        fc.assert(
            fc.property(streamArb(200), windowArb, fc.nat(), fc.array(fc.nat(50), { maxLength: 40 }), (events, n, cut, acks) => {
                const k = events.length === 0 ? 0 : cut % (events.length + 1);
                const first = new WindowCore({ windowSize: n });
                first.assign([0]);
                const a = runOwner(first, events, 0, k, acks);
                first.revoke([0]); // open windows + in-flight results dropped, nothing published
                const resume = a.committed === null ? 0 : Number(a.committed);
                const second = new WindowCore({ windowSize: n });
                second.assign([0]);
                const b = runOwner(second, events, resume, events.length, [1]); // acks everything promptly
                checkAverages(events, [...a.acked, ...b.acked]);
                // Every well-formed message is in an acknowledged result or still in the new owner's open
                // windows (at or above its committable offset, so it is replayed again if it loses the partition).
                const covered = new Set<number>();
                for (const r of [...a.acked, ...b.acked]) for (const o of r.offsets) covered.add(o);
                const stillOpenFrom = b.committed === null ? resume : Number(b.committed);
                events.forEach((e, o) => {
                    if (e.bad === undefined && o < stillOpenFrom) assert.ok(covered.has(o), `message ${o} lost`);
                });
            }),
            { numRuns: 200 },
        );
    });

    it("with one sensor per partition, replay after revoke yields exactly the reference results (plus duplicates)", () => {
        fc.assert(
            fc.property(singleSensorStream(200), windowArb, fc.nat(), fc.array(fc.nat(50), { maxLength: 40 }), (events, n, cut, acks) => {
                const k = events.length === 0 ? 0 : cut % (events.length + 1);
                const first = new WindowCore({ windowSize: n });
                first.assign([0]);
                const a = runOwner(first, events, 0, k, acks);
                first.revoke([0]);
                const second = new WindowCore({ windowSize: n });
                second.assign([0]);
                const b = runOwner(second, events, a.committed === null ? 0 : Number(a.committed), events.length, [1]);
                const key = (offsets: readonly number[]) => offsets.join(",");
                const got = new Map<string, unknown>();
                for (const r of [...a.acked, ...b.acked]) got.set(key(r.offsets), r.result.result);
                const ref = reference(events, n).results;
                assert.deepEqual(
                    [...got.entries()].sort(([x], [y]) => Number(x.split(",")[0]) - Number(y.split(",")[0])),
                    ref.map(({ offsets, ...r }) => [key(offsets), r]),
                );
            }),
            { numRuns: 200 },
        );
    });
});
