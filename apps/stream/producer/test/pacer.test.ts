import assert from "node:assert/strict";
import fc from "fast-check";
import { Pacer } from "../src/pacer.js";

describe("producer Pacer (fake clock)", () => {
    it("default 10 msg/s: one message every 100 ms, first one at start", () => {
        const p = new Pacer({ rate: 10 }, 1000);
        assert.equal(p.take(1000), 1);
        assert.equal(p.nextDueAt(), 1100);
        assert.equal(p.take(1099), 0);
        assert.equal(p.take(1100), 1);
        assert.equal(p.take(1350), 2, "catches up the 200 and 300 slots");
        assert.equal(p.nextDueAt(), 1400);
    });

    it("emits rate x seconds messages over a long simulated run, whatever the wake-up jitter", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 500 }),
                fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 50 }),
                (rate, jitters) => {
                    const start = 5_000;
                    const p = new Pacer({ rate, maxBurst: 1e9 }, start);
                    let now = start;
                    let sent = 0;
                    let i = 0;
                    while (now < start + 10_000) {
                        sent += p.take(now);
                        now = Math.max(now, p.nextDueAt()) + jitters[i++ % jitters.length]!;
                    }
                    const expected = Math.floor(((now - start) * rate) / 1000) + 1;
                    assert.ok(
                        Math.abs(sent - expected) <= rate * 0.05 + 1 + (jitters.reduce((a, b) => Math.max(a, b), 0) * rate) / 1000,
                        `${sent} vs ${expected}`,
                    );
                    assert.equal(p.dropped, 0);
                },
            ),
        );
    });

    it("never hands out more than one message per interval on average (no drift)", () => {
        const p = new Pacer({ rate: 7 }, 0);
        let sent = 0;
        let t = 0;
        for (; t + 13 <= 60_000; t += 13) sent += p.take(t);
        assert.equal(sent, Math.floor((t * 7) / 1000) + 1);
    });

    it("a wake-up at nextDueAt() always finds a message due (no busy loop from rounding)", () => {
        fc.assert(
            fc.property(
                fc.double({ min: 0.01, max: 10_000, noNaN: true }),
                fc.integer({ min: 0, max: 1e12 }),
                fc.nat(2000),
                (rate, start, steps) => {
                    const p = new Pacer({ rate, maxBurst: 1e9 }, start);
                    p.take(start);
                    for (let i = 0; i < steps % 200; i++) assert.ok(p.take(p.nextDueAt()) >= 1);
                },
            ),
        );
    });

    it("drops the backlog beyond maxBurst after a stall and re-anchors", () => {
        const p = new Pacer({ rate: 10, maxBurst: 5 }, 0);
        assert.equal(p.take(0), 1);
        assert.equal(p.take(10_000), 5, "at most one burst after a 10 s stall");
        assert.equal(p.dropped, 95);
        assert.equal(p.nextDueAt(), 10_100);
        assert.equal(p.take(10_050), 0);
        assert.equal(p.take(10_100), 1);
    });

    it("rejects a non-positive rate", () => {
        assert.throws(() => new Pacer({ rate: 0 }, 0), /positive/);
        assert.throws(() => new Pacer({ rate: Number.NaN }, 0), /positive/);
    });
});
