/**
 * Wire format of the sensor stream (topics `events` and `results`), shared by producer and processor.
 *
 * Events are UTF-8 JSON objects `{id, sensor, value, ts}`; results are `{sensor, avg, count, windowStart, windowEnd, partial}`.
 * Decoding never throws: it returns a tagged result so that a consumer can count and skip a malformed record
 * instead of crashing or blocking its partition.
 */

export interface SensorEvent {
    /** Unique id of the event (producer instance + sequence number). */
    readonly id: string;
    /** Sensor name, e.g. "A". */
    readonly sensor: string;
    /** Measured value (finite number). */
    readonly value: number;
    /** Event time in milliseconds since the Unix epoch (integer). */
    readonly ts: number;
}

export interface WindowResult {
    readonly sensor: string;
    /** Arithmetic mean of the window's values. */
    readonly avg: number;
    /** Number of values in the window. */
    readonly count: number;
    /** Smallest event `ts` in the window. */
    readonly windowStart: number;
    /** Largest event `ts` in the window. */
    readonly windowEnd: number;
    /**
     * True when the window closed before reaching the configured size because its sensor went quiet (see the
     * processor's idle/span policy); `count` is then below the window size.
     */
    readonly partial: boolean;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Longest accepted id / sensor name; bounds the memory a hostile record can make us keep. */
export const MAX_ID_LENGTH = 128;
export const MAX_SENSOR_LENGTH = 64;
/** Largest accepted encoded event; anything larger is malformed. */
export const MAX_EVENT_BYTES = 4096;

const decoder = new TextDecoder("utf-8", { fatal: true });

function fail<T>(error: string): Decoded<T> {
    return { ok: false, error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates an already-parsed value as a SensorEvent; returns a message naming the first bad field. */
export function validateEvent(raw: unknown): Decoded<SensorEvent> {
    if (!isRecord(raw)) return fail("event must be a JSON object");
    const { id, sensor, value, ts } = raw;
    if (typeof id !== "string" || id.length === 0) return fail('field "id" must be a non-empty string');
    if (id.length > MAX_ID_LENGTH) return fail(`field "id" is longer than ${MAX_ID_LENGTH} characters`);
    if (typeof sensor !== "string" || sensor.length === 0) return fail('field "sensor" must be a non-empty string');
    if (sensor.length > MAX_SENSOR_LENGTH) return fail(`field "sensor" is longer than ${MAX_SENSOR_LENGTH} characters`);
    if (typeof value !== "number" || !Number.isFinite(value)) return fail('field "value" must be a finite number');
    if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts < 0) {
        return fail('field "ts" must be a non-negative integer (epoch milliseconds)');
    }
    return { ok: true, value: { id, sensor, value, ts } };
}

/** Decodes one `events` record value. Never throws. */
export function decodeEvent(bytes: Uint8Array | string | null | undefined): Decoded<SensorEvent> {
    if (bytes === null || bytes === undefined) return fail("record has no value");
    let text: string;
    if (typeof bytes === "string") {
        text = bytes;
    } else {
        if (bytes.byteLength > MAX_EVENT_BYTES) return fail(`record is larger than ${MAX_EVENT_BYTES} bytes`);
        try {
            text = decoder.decode(bytes);
        } catch {
            return fail("record is not valid UTF-8");
        }
    }
    if (text.length > MAX_EVENT_BYTES) return fail(`record is larger than ${MAX_EVENT_BYTES} bytes`);
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return fail("record is not valid JSON");
    }
    return validateEvent(parsed);
}

/** Encodes an event (fields in a fixed order, nothing else). Throws on an invalid event: a producer bug. */
export function encodeEvent(event: SensorEvent): string {
    const checked = validateEvent(event);
    if (!checked.ok) throw new TypeError(`invalid event: ${checked.error}`);
    const { id, sensor, value, ts } = checked.value;
    return JSON.stringify({ id, sensor, value, ts });
}

export function validateResult(raw: unknown): Decoded<WindowResult> {
    if (!isRecord(raw)) return fail("result must be a JSON object");
    const { sensor, avg, count, windowStart, windowEnd, partial = false } = raw;
    if (typeof sensor !== "string" || sensor.length === 0) return fail('field "sensor" must be a non-empty string');
    if (typeof avg !== "number" || !Number.isFinite(avg)) return fail('field "avg" must be a finite number');
    if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1) {
        return fail('field "count" must be a positive integer');
    }
    if (typeof windowStart !== "number" || !Number.isSafeInteger(windowStart)) {
        return fail('field "windowStart" must be an integer');
    }
    if (typeof windowEnd !== "number" || !Number.isSafeInteger(windowEnd) || windowEnd < windowStart) {
        return fail('field "windowEnd" must be an integer not below "windowStart"');
    }
    // Absent in results written before partial windows existed: those were all complete.
    if (typeof partial !== "boolean") return fail('field "partial" must be a boolean');
    return { ok: true, value: { sensor, avg, count, windowStart, windowEnd, partial } };
}

export function encodeResult(result: WindowResult): string {
    const checked = validateResult(result);
    if (!checked.ok) throw new TypeError(`invalid result: ${checked.error}`);
    const { sensor, avg, count, windowStart, windowEnd, partial } = checked.value;
    return JSON.stringify({ sensor, avg, count, windowStart, windowEnd, partial });
}

export function decodeResult(bytes: Uint8Array | string | null | undefined): Decoded<WindowResult> {
    if (bytes === null || bytes === undefined) return fail("record has no value");
    let text: string;
    try {
        text = typeof bytes === "string" ? bytes : decoder.decode(bytes);
    } catch {
        return fail("record is not valid UTF-8");
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return fail("record is not valid JSON");
    }
    return validateResult(parsed);
}
