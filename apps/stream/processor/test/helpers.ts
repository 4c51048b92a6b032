import { encodeEvent, type WindowResult } from "../../common/src/wire.js";

export interface Ev {
    readonly sensor: string;
    readonly value: number;
    readonly ts: number;
    /** A malformed record instead of an event. */
    readonly bad?: string;
}

export function encode(e: Ev, i: number): string {
    return e.bad ?? encodeEvent({ id: `t-${i}`, sensor: e.sensor, value: e.value, ts: e.ts });
}

/** A result the reference expects, with the input offsets its window was made of. */
export interface RefResult extends WindowResult {
    readonly offsets: readonly number[];
}

/** Straightforward reference: per sensor, consecutive chunks of n values in offset order. */
export function reference(events: readonly Ev[], n: number, from = 0): { results: RefResult[]; open: Map<string, number[]> } {
    const open = new Map<string, number[]>();
    const results: RefResult[] = [];
    for (let o = from; o < events.length; o++) {
        const e = events[o]!;
        if (e.bad !== undefined) continue;
        const members = open.get(e.sensor) ?? [];
        members.push(o);
        open.set(e.sensor, members);
        if (members.length === n) {
            let sum = 0;
            for (const m of members) sum += events[m]!.value;
            const tss = members.map((m) => events[m]!.ts);
            results.push({
                sensor: e.sensor,
                avg: sum / n,
                count: n,
                windowStart: Math.min(...tss),
                windowEnd: Math.max(...tss),
                partial: false,
                offsets: members,
            });
            open.delete(e.sensor);
        }
    }
    return { results, open };
}
