/**
 * Pure event generation: sensors take turns (A, B, C, A, ...); each sensor's value is a bounded random walk
 * around its own base level. Randomness and time are injected, so the sequence is reproducible in tests.
 */
import type { SensorEvent } from "../../common/src/wire.js";

export type Random = () => number;

/** Small deterministic PRNG (mulberry32) for tests and reproducible runs. */
export function seededRandom(seed: number): Random {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export class EventGenerator {
    private seq = 0;
    private readonly levels: number[];

    constructor(
        private readonly instanceId: string,
        private readonly sensors: readonly string[],
        private readonly random: Random,
    ) {
        if (sensors.length === 0) throw new RangeError("at least one sensor is required");
        this.levels = sensors.map((_, i) => 20 + 10 * i);
    }

    /** The next event, stamped with event time `ts` (epoch ms). */
    next(ts: number): SensorEvent {
        const i = this.seq % this.sensors.length;
        const base = 20 + 10 * i;
        // Random walk with a pull back to the base level keeps values in a plausible band.
        const level = this.levels[i]! + (this.random() - 0.5) * 2 - (this.levels[i]! - base) * 0.05;
        this.levels[i] = level;
        const event: SensorEvent = {
            id: `${this.instanceId}-${this.seq}`,
            sensor: this.sensors[i]!,
            value: Math.round(level * 1000) / 1000,
            ts: Math.floor(ts),
        };
        this.seq++;
        return event;
    }

    get produced(): number {
        return this.seq;
    }
}
