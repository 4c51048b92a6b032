import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeEvent, decodeResult, encodeEvent, encodeResult, MAX_EVENT_BYTES, type SensorEvent } from "../src/wire.js";

const eventArb: fc.Arbitrary<SensorEvent> = fc.record({
    id: fc.string({ minLength: 1, maxLength: 128 }),
    sensor: fc.string({ minLength: 1, maxLength: 64 }),
    value: fc.double({ noNaN: true, noDefaultInfinity: true }),
    ts: fc.nat(),
});

describe("stream wire format", () => {
    it("event encode/decode round-trips (property)", () => {
        fc.assert(
            fc.property(eventArb, (e) => {
                const text = encodeEvent(e);
                const back = decodeEvent(Buffer.from(text, "utf8"));
                assert.ok(back.ok, text);
                assert.deepEqual(back.value, { ...e, value: Object.is(e.value, -0) ? 0 : e.value });
            }),
        );
    });

    it("encodes exactly {id, sensor, value, ts} and drops unknown fields", () => {
        const extra = { id: "p-1", sensor: "A", value: 1.5, ts: 1700000000000, secret: "x" } as SensorEvent;
        assert.equal(encodeEvent(extra), '{"id":"p-1","sensor":"A","value":1.5,"ts":1700000000000}');
    });

    const bad: [string, string | Uint8Array | null, RegExp][] = [
        ["bad JSON", '{"id":', /not valid JSON/],
        ["empty record", "", /not valid JSON/],
        ["no value", null, /no value/],
        ["not an object", "[1,2]", /JSON object/],
        ["JSON null", "null", /JSON object/],
        ["missing id", '{"sensor":"A","value":1,"ts":1}', /"id"/],
        ["missing sensor", '{"id":"1","value":1,"ts":1}', /"sensor"/],
        ["missing value", '{"id":"1","sensor":"A","ts":1}', /"value"/],
        ["missing ts", '{"id":"1","sensor":"A","value":1}', /"ts"/],
        ["value as string", '{"id":"1","sensor":"A","value":"1","ts":1}', /"value" must be a finite number/],
        ["id as number", '{"id":1,"sensor":"A","value":1,"ts":1}', /"id" must be a non-empty string/],
        ["empty sensor", '{"id":"1","sensor":"","value":1,"ts":1}', /"sensor"/],
        ["ts fractional", '{"id":"1","sensor":"A","value":1,"ts":1.5}', /"ts"/],
        ["ts negative", '{"id":"1","sensor":"A","value":1,"ts":-1}', /"ts"/],
        ["ts as ISO string", '{"id":"1","sensor":"A","value":1,"ts":"2024-01-01T00:00:00Z"}', /"ts"/],
        ["huge value overflow", '{"id":"1","sensor":"A","value":1e999,"ts":1}', /finite/],
        ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
        ["oversized", `{"id":"${"x".repeat(MAX_EVENT_BYTES)}","sensor":"A","value":1,"ts":1}`, /larger than/],
        ["long sensor", `{"id":"1","sensor":"${"s".repeat(65)}","value":1,"ts":1}`, /longer than 64/],
    ];
    for (const [name, input, message] of bad) {
        it(`rejects ${name} with a clear error (no throw)`, () => {
            const out = decodeEvent(input);
            assert.equal(out.ok, false);
            if (!out.ok) assert.match(out.error, message);
        });
    }

    it("decoding arbitrary bytes never throws (property)", () => {
        fc.assert(
            fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
                const out = decodeEvent(bytes);
                assert.equal(typeof out.ok, "boolean");
            }),
        );
        fc.assert(fc.property(fc.json(), (text) => assert.equal(typeof decodeEvent(text).ok, "boolean")));
    });

    it("encodeEvent refuses an invalid event (producer bug)", () => {
        assert.throws(() => encodeEvent({ id: "", sensor: "A", value: 1, ts: 1 }), /invalid event: field "id"/);
        assert.throws(() => encodeEvent({ id: "1", sensor: "A", value: Number.NaN, ts: 1 }), /"value"/);
    });

    it("results round-trip and are validated", () => {
        const r = { sensor: "B", avg: 12.25, count: 20, windowStart: 10, windowEnd: 20, partial: false };
        assert.equal(encodeResult(r), '{"sensor":"B","avg":12.25,"count":20,"windowStart":10,"windowEnd":20,"partial":false}');
        assert.deepEqual(decodeResult(encodeResult(r)), { ok: true, value: r });
        const partial = { ...r, count: 3, partial: true };
        assert.deepEqual(decodeResult(encodeResult(partial)), { ok: true, value: partial });
        // Results written before partial windows existed read as complete.
        assert.deepEqual(decodeResult('{"sensor":"B","avg":1,"count":1,"windowStart":1,"windowEnd":1}'), {
            ok: true,
            value: { sensor: "B", avg: 1, count: 1, windowStart: 1, windowEnd: 1, partial: false },
        });
        assert.match(
            (decodeResult('{"sensor":"B","avg":1,"count":1,"windowStart":1,"windowEnd":1,"partial":"yes"}') as { error: string }).error,
            /partial/,
        );
        assert.match((decodeResult('{"sensor":"B","avg":1,"count":0,"windowStart":1,"windowEnd":1}') as { error: string }).error, /count/);
        assert.match(
            (decodeResult('{"sensor":"B","avg":1,"count":1,"windowStart":2,"windowEnd":1}') as { error: string }).error,
            /windowEnd/,
        );
        assert.throws(() => encodeResult({ ...r, avg: Number.POSITIVE_INFINITY }), /avg/);
    });
});
