/**
 * The producer loop: wakes at the pacer's next due time, generates the due events, sends them (keyed by
 * sensor) and waits for the broker's ack before the next batch (one batch in flight: backpressure). Stops when
 * `signal` aborts: the batch in flight is finished (flushed), then the sink is closed (disconnect).
 * Clock and wake-up are injected so tests run on simulated time.
 */
import { encodeEvent } from "../../common/src/wire.js";
import type { EventGenerator } from "./generator.js";
import type { Pacer } from "./pacer.js";

export interface EventRecord {
    readonly key: string;
    readonly value: string;
}

export interface EventSink {
    /** Resolves once the broker acknowledged every record. */
    send(records: readonly EventRecord[]): Promise<void>;
    /** Flushes and disconnects. */
    close(): Promise<void>;
}

export interface Scheduler {
    now(): number;
    /** Resolves at (or after) time `at`, or early when `signal` aborts. */
    wakeAt(at: number, signal: AbortSignal): Promise<void>;
}

export interface RunStats {
    sent: number;
    batches: number;
}

export async function runProducer(opts: {
    pacer: Pacer;
    generator: EventGenerator;
    sink: EventSink;
    scheduler: Scheduler;
    signal: AbortSignal;
    onSent?: (count: number) => void;
}): Promise<RunStats> {
    const { pacer, generator, sink, scheduler, signal } = opts;
    const stats: RunStats = { sent: 0, batches: 0 };
    try {
        while (!signal.aborted) {
            const now = scheduler.now();
            const due = pacer.take(now);
            if (due === 0) {
                await scheduler.wakeAt(pacer.nextDueAt(), signal);
                continue;
            }
            const batch: EventRecord[] = [];
            for (let i = 0; i < due; i++) {
                const event = generator.next(now);
                batch.push({ key: event.sensor, value: encodeEvent(event) });
            }
            await sink.send(batch);
            stats.sent += batch.length;
            stats.batches++;
            opts.onSent?.(batch.length);
        }
    } finally {
        await sink.close();
    }
    return stats;
}

/** The real scheduler: wall clock + one timer per wake-up, cancelled on abort. */
export const systemScheduler: Scheduler = {
    now: () => Date.now(),
    wakeAt(at, signal) {
        return new Promise((resolve) => {
            if (signal.aborted) return resolve();
            const timer = setTimeout(done, Math.max(0, at - Date.now()));
            function done(): void {
                clearTimeout(timer);
                signal.removeEventListener("abort", done);
                resolve();
            }
            signal.addEventListener("abort", done, { once: true });
        });
    },
};
