/**
 * Property tests of the commit policy over time (fast-check): windows close early (partial results) when they
 * span more than `maxSpan` offsets or got no value for `idleMs`, so that
 *  - the replay after a crash is bounded: once every emitted result is acknowledged, committable >= next - maxSpan;
 *  - the committed offset still never passes a message whose result is not acknowledged;
 *  - nothing is lost or counted twice by one owner: every well-formed value is in exactly one published result
 *    or in an open window at or above the committable offset;
 *  - a new owner replaying from the committed offset after a crash loses nothing.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { WindowCore, type PendingResult } from "../src/window-core.js";
import { encode, type Ev } from "./helpers.js";

/** A busy sensor and sensors that speak rarely (they go quiet for long stretches). */
const sensorArb = fc.oneof({ weight: 20, arbitrary: fc.constant("A") }, { weight: 1, arbitrary: fc.constantFrom("B", "C", "D") });
const eventArb: fc.Arbitrary<Ev & { gap: number }> = fc.oneof(
    {
        weight: 20,
        arbitrary: fc.record({ sensor: sensorArb, value: fc.integer({ min: -1000, max: 1000 }), ts: fc.nat(1_000_000), gap: fc.nat(2000) }),
    },
    {
        weight: 1,
        arbitrary: fc.record({
            sensor: fc.constant(""),
            value: fc.constant(0),
            ts: fc.constant(0),
            gap: fc.nat(2000),
            bad: fc.constant("{"),
        }),
    },
);
const streamArb = fc.array(eventArb, { maxLength: 400 });
const policyArb = fc.record({ n: fc.integer({ min: 1, max: 12 }), extra: fc.nat(40), idleMs: fc.integer({ min: 500, max: 20_000 }) });

interface Published {
    readonly result: PendingResult;
    readonly offsets: readonly number[];
}

interface Owner {
    readonly published: Published[];
    /** Last committable offset (what the adapter would have committed), null before the first record. */
    committed: bigint | null;
}

/**
 * One owner of partition 0 over events[from..to): feeds records with a clock advanced by each event's gap,
 * calls flushIdle when `flushAt` says so, acks pending results in the order `ackOrder` picks (some late), and
 * checks after every step that the commit never passes an unacknowledged message. With `ackAll` everything is
 * acknowledged before each check of the replay bound.
 */
function own(
    core: WindowCore,
    events: readonly (Ev & { gap: number })[],
    from: number,
    to: number,
    idleMs: number,
    picks: readonly number[],
): Owner {
    const owner: Owner = { published: [], committed: null };
    const members = new Map<string, number[]>();
    const pending: Published[] = [];
    const acked = new Set<number>();
    let now = 0;
    let pick = 0;
    const emit = (rs: readonly PendingResult[]): void => {
        for (const r of rs) {
            const offsets = members.get(r.key)!;
            members.delete(r.key);
            assert.equal(r.result.count, offsets.length);
            assert.equal(r.result.partial, r.reason === "idle");
            assert.ok(r.reason === "idle" ? offsets.length <= core.windowSize : offsets.length === core.windowSize);
            pending.push({ result: r, offsets });
        }
    };
    for (let o = from; o < to; o++) {
        const e = events[o]!;
        now += e.gap;
        const out = core.process(0, BigInt(o), encode(e, o), now);
        if (e.bad === undefined) members.set(e.sensor, [...(members.get(e.sensor) ?? []), o]);
        // The record's own window closes after the ones it pushed past maxSpan were recorded; order by key is enough.
        if (out.kind === "result") emit([out.pending]);
        if ("idle" in out && out.idle) emit(out.idle);
        const choice = picks[pick++ % Math.max(1, picks.length)] ?? 0;
        if (choice % 4 === 0) emit(core.flushIdle(now, idleMs));
        if (pending.length > 0 && choice % 3 !== 0) {
            const [done] = pending.splice(choice % pending.length, 1);
            assert.equal(core.ack(done!.result.token), true);
            owner.published.push(done!);
            for (const m of done!.offsets) acked.add(m);
        }
        const c = core.committable(0)!;
        if (owner.committed !== null) assert.ok(c >= owner.committed, "the committable offset never moves backwards");
        owner.committed = c;
        for (let m = from; m < Number(c); m++)
            if (events[m]!.bad === undefined) assert.ok(acked.has(m), `offset ${m} below ${c} is not in an acknowledged result`);
        // Replay bound: with every pending result acknowledged, at most maxSpan offsets stay uncommitted.
        const worst = pending.reduce((min, p) => (p.result.firstOffset < min ? p.result.firstOffset : min), BigInt(o) + 1n);
        const bound = worst < BigInt(o) + 1n - core.maxSpan! ? worst : BigInt(o) + 1n - core.maxSpan!;
        assert.ok(c >= bound, `committable ${c} below ${bound} (next ${o + 1}, maxSpan ${core.maxSpan})`);
    }
    for (const p of pending) {
        // Acknowledge the rest so the final state is fully published.
        assert.equal(core.ack(p.result.token), true);
        owner.published.push(p);
    }
    owner.committed = core.committable(0);
    return owner;
}

function checkExact(events: readonly Ev[], published: readonly Published[]): void {
    for (const { result, offsets } of published) {
        let sum = 0;
        for (const o of offsets) sum += events[o]!.value;
        assert.equal(result.result.avg, sum / offsets.length);
        assert.ok(offsets.every((o) => events[o]!.sensor === result.key));
    }
}

describe("processor commit policy over time (fast-check)", () => {
    it("with every result acknowledged the replay is at most maxSpan offsets, whatever sensors go quiet", () => {
        fc.assert(
            fc.property(streamArb, policyArb, fc.array(fc.nat(60), { maxLength: 50 }), (events, { n, extra, idleMs }, picks) => {
                const core = new WindowCore({ windowSize: n, maxSpan: n + extra });
                core.assign([0]);
                const owner = own(core, events, 0, events.length, idleMs, picks);
                checkExact(events, owner.published);
                // Exactly once within one owner: every well-formed value is in one published result or still open.
                const seen = new Map<number, number>();
                for (const p of owner.published) for (const o of p.offsets) seen.set(o, (seen.get(o) ?? 0) + 1);
                const committed = owner.committed === null ? 0 : Number(owner.committed);
                events.forEach((e, o) => {
                    if (e.bad !== undefined) return;
                    assert.ok((seen.get(o) ?? 0) <= 1, `value at ${o} published twice`);
                    if (o < committed) assert.equal(seen.get(o), 1, `value at ${o} below the commit is not published`);
                });
                if (events.length > 0)
                    assert.ok(events.length - committed <= n + extra, `replay ${events.length - committed} > maxSpan ${n + extra}`);
            }),
            { numRuns: 300 },
        );
    });

    it("a crash at any point loses nothing: the next owner replays from the committed offset", () => {
        fc.assert(
            fc.property(
                streamArb,
                policyArb,
                fc.nat(),
                fc.array(fc.nat(60), { maxLength: 50 }),
                (events, { n, extra, idleMs }, cut, picks) => {
                    const k = cut % (events.length + 1);
                    const first = new WindowCore({ windowSize: n, maxSpan: n + extra });
                    first.assign([0]);
                    const a = own(first, events, 0, k, idleMs, picks);
                    first.revoke([0]); // crash: open windows are gone
                    const resume = a.committed === null ? 0 : Number(a.committed);
                    assert.ok(k - resume <= n + extra, `crash at ${k} replays from ${resume}: more than maxSpan ${n + extra}`);
                    const second = new WindowCore({ windowSize: n, maxSpan: n + extra });
                    second.assign([0]);
                    const b = own(second, events, resume, events.length, idleMs, [1]);
                    checkExact(events, [...a.published, ...b.published]);
                    const covered = new Set<number>();
                    for (const p of [...a.published, ...b.published]) for (const o of p.offsets) covered.add(o);
                    const openFrom = b.committed === null ? resume : Number(b.committed);
                    events.forEach((e, o) => {
                        if (e.bad === undefined && o < openFrom) assert.ok(covered.has(o), `message ${o} lost`);
                    });
                },
            ),
            { numRuns: 300 },
        );
    });

    it("repro from the issue: 1 reading of D, then 10,000 of A on one partition moves the commit past D", () => {
        const core = new WindowCore({ windowSize: 20, maxSpan: 1000 });
        core.assign([0]);
        const events: Ev[] = [
            { sensor: "D", value: 1, ts: 0 },
            ...Array.from({ length: 10_000 }, (_, i) => ({ sensor: "A", value: i, ts: i })),
        ];
        const partial: PendingResult[] = [];
        events.forEach((e, o) => {
            const out = core.process(0, BigInt(o), encode(e, o));
            if (out.kind === "result") core.ack(out.pending.token);
            if ("idle" in out && out.idle) for (const r of out.idle) (partial.push(r), core.ack(r.token));
        });
        assert.deepEqual(
            partial.map((r) => [r.key, r.result.count, r.result.partial, r.firstOffset]),
            [["D", 1, true, 0n]],
        );
        assert.ok(core.committable(0)! >= 10_001n - 1000n, `committable ${core.committable(0)}`);
        assert.equal(core.stats.windowsClosedIdle, 1);
    });
});
