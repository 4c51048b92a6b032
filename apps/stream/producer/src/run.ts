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
    /** Flushes and disconnects; a send still in flight then fails. */
    close(): Promise<void>;
    /** Whether a broker connection is up: without one, a send in flight is only being retried. */
    connected(): boolean;
}

export interface Scheduler {
    now(): number;
    /** Resolves at (or after) time `at`, or early when `signal` aborts. */
    wakeAt(at: number, signal: AbortSignal): Promise<void>;
}

export interface RunStats {
    sent: number;
    batches: number;
    /** Events of the batch given up on stop because no broker connection was up (never acknowledged). */
    unacknowledged: number;
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
    const stats: RunStats = { sent: 0, batches: 0, unacknowledged: 0 };
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
            if (!(await sendUnlessStranded(sink, batch, signal))) {
                stats.unacknowledged += batch.length;
                break;
            }
            stats.sent += batch.length;
            stats.batches++;
            opts.onSent?.(batch.length);
        }
    } finally {
        await sink.close();
    }
    return stats;
}

/**
 * Sends the batch; false when a stop came while no broker connection was up. A stop waits for a send that a
 * connected broker is acknowledging, but not for one the client is still retrying to connect for (many seconds
 * when no broker answers): it closes the sink, which ends those retries and fails the send at once.
 */
async function sendUnlessStranded(sink: EventSink, batch: readonly EventRecord[], signal: AbortSignal): Promise<boolean> {
    const giveUp = (): void => {
        if (!sink.connected()) void sink.close().catch(() => undefined);
    };
    signal.addEventListener("abort", giveUp, { once: true });
    try {
        await sink.send(batch);
        return true;
    } catch (error) {
        // Failed after a stop was asked for (closed by giveUp, or refused while closing): the stop, not a failure.
        if (signal.aborted) return false;
        throw error;
    } finally {
        signal.removeEventListener("abort", giveUp);
    }
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
