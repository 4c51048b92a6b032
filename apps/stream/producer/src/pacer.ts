/**
 * Rate pacing as a schedule computed from a clock (no sleep-based synchronisation): message k of the
 * current schedule is due at `anchor + k * 1000 / rate` ms. `take(now)` says how many messages are due;
 * `nextDueAt()` is when the next one is, for the caller's single wake-up timer. If the caller falls more
 * than `maxBurst` messages behind (stalled broker, paused process), the backlog is dropped and the schedule
 * is re-anchored at `now` instead of bursting to catch up.
 */
export interface PacerOptions {
    /** Messages per second, > 0. */
    readonly rate: number;
    /** Most messages handed out by one take(); also the largest backlog kept. Default: max(1, rate). */
    readonly maxBurst?: number;
}

export class Pacer {
    private anchor: number;
    private emitted = 0;
    private skipped = 0;
    readonly intervalMs: number;
    readonly maxBurst: number;

    constructor(options: PacerOptions, start: number) {
        if (!(options.rate > 0) || !Number.isFinite(options.rate))
            throw new RangeError(`rate must be a positive number, got ${options.rate}`);
        this.intervalMs = 1000 / options.rate;
        this.maxBurst = Math.max(1, Math.floor(options.maxBurst ?? options.rate));
        this.anchor = start;
    }

    /** Number of messages due at `now` (and marks them as emitted). */
    take(now: number): number {
        // Compared against the very value nextDueAt() returns, so a wake-up at nextDueAt() always finds a
        // message due, whatever the floating-point rounding (no busy wake-up loop).
        let due = 0;
        while (due < this.maxBurst && this.nextDueAt() <= now) {
            this.emitted++;
            due++;
        }
        if (this.nextDueAt() <= now) {
            // Still behind after a full burst: drop the backlog, next message one interval after now.
            this.skipped += Math.floor((now - this.nextDueAt()) / this.intervalMs) + 1;
            this.anchor = now + this.intervalMs;
            this.emitted = 0;
        }
        return due;
    }

    /** Time at which the next message becomes due. */
    nextDueAt(): number {
        return this.anchor + this.emitted * this.intervalMs;
    }

    /** Messages dropped from the schedule because the caller fell too far behind. */
    get dropped(): number {
        return this.skipped;
    }
}
