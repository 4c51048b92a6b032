/**
 * Kafka-facing adapter of the processor: owns the ordering rules that make processing at-least-once, and
 * pipelines the I/O so that a replica is not bound by one round trip per message.
 *
 *   records -> WindowCore.process (synchronous) -> closed windows queued in the outbox
 *   sender (one produce request in flight, carrying everything queued meanwhile) -> broker ack -> WindowCore.ack
 *   committer (one commit in flight, coalescing every request made meanwhile) -> WindowCore.committable(p)
 *
 * The committed offset comes only from WindowCore.committable, which stays at or below the first offset of
 * every open window and every result not yet acknowledged: however sends, acks and commits interleave, a commit
 * never covers a message whose result is not durably in the output topic. One produce request at a time keeps
 * the results of a sensor in order. handle() returns as soon as the records are processed, waiting only when
 * `maxQueuedResults` results are queued or in flight (backpressure). It talks to Kafka through two small
 * ports; ./kafka.ts implements them on @platformatic/kafka. An assignment change is applied synchronously
 * between two awaits: queued results of a revoked partition are dropped and a late ack for it never commits.
 */
import { encodeResult } from "../../common/src/wire.js";
import type { Logger } from "../../common/src/log.js";
import type { PendingResult, WindowCore } from "./window-core.js";

export interface InboundRecord {
    readonly partition: number;
    readonly offset: bigint;
    /** Leader epoch of the record's batch, passed back on commit (-1 when unknown). */
    readonly leaderEpoch: number;
    readonly value: Uint8Array | string | null | undefined;
}

export interface OutboundRecord {
    readonly key: string;
    readonly value: string;
}

/** Produces result records; resolves only once the broker acknowledged all of them (acks=all). */
export interface ResultSink {
    send(records: readonly OutboundRecord[]): Promise<void>;
}

export interface PartitionOffset {
    readonly partition: number;
    /** Next offset to read (Kafka commit semantics). */
    readonly offset: bigint;
    readonly leaderEpoch: number;
}

export interface OffsetCommitter {
    commit(offsets: readonly PartitionOffset[]): Promise<void>;
}

export interface AdapterHooks {
    readonly log?: Logger;
    readonly onMalformed?: (partition: number, offset: bigint, error: string) => void;
    /** Windows closed (complete or idle), before their results are sent. */
    readonly onClosed?: (results: readonly PendingResult[]) => void;
    /** Results the broker acknowledged (of partitions still held) and the produce request's duration. */
    readonly onAcked?: (results: readonly PendingResult[], seconds: number) => void;
    readonly onCommit?: (offsets: readonly PartitionOffset[], seconds: number) => void;
    /** A send failed: the caller should stop consuming (handle() and drain() reject from now on). */
    readonly onFailure?: (error: Error) => void;
}

export interface PipelineOptions {
    /** Results queued or in flight before handle() waits. Default 10,000. */
    readonly maxQueuedResults?: number;
    /** Results per produce request at most. Default 1,000. */
    readonly maxBatch?: number;
    /** Wall clock in ms (idle windows); default Date.now. */
    readonly clock?: () => number;
}

export class StreamProcessor {
    private readonly lastCommitted = new Map<number, bigint>();
    private readonly epochs = new Map<number, number>();
    /** Offset of the first record seen since assignment: where the group's position was, so no commit needed. */
    private readonly baseline = new Map<number, bigint>();
    private outbox: PendingResult[] = [];
    private inFlight = 0;
    private sending = false;
    private committing = false;
    private commitRequested = false;
    private failure: Error | null = null;
    private waiters: (() => void)[] = [];
    private readonly maxQueued: number;
    private readonly maxBatch: number;
    private readonly clock: () => number;

    constructor(
        private readonly core: WindowCore,
        private readonly sink: ResultSink,
        private readonly committer: OffsetCommitter,
        private readonly hooks: AdapterHooks = {},
        options: PipelineOptions = {},
    ) {
        this.maxQueued = options.maxQueuedResults ?? 10_000;
        this.maxBatch = options.maxBatch ?? 1_000;
        this.clock = options.clock ?? Date.now;
    }

    /** The group gave this member exactly `partitions` of the input topic. */
    onAssignment(partitions: readonly number[]): void {
        const { assigned, revoked } = this.core.setAssignment(partitions);
        if (revoked.length > 0) {
            const gone = new Set(revoked);
            this.outbox = this.outbox.filter((r) => !gone.has(r.partition));
            for (const p of revoked) {
                this.lastCommitted.delete(p);
                this.epochs.delete(p);
                this.baseline.delete(p);
            }
            this.changed();
        }
        if (assigned.length > 0 || revoked.length > 0) {
            this.hooks.log?.("info", "assignment changed", { assigned, revoked, held: this.core.assigned() });
        }
    }

    /**
     * Processes records in order and queues the closed windows' results for sending; resolves once there is room
     * in the pipeline. Rejects once a send failed: the caller must then stop (nothing past the failed results is
     * ever committed; the next owner replays them).
     */
    async handle(records: readonly InboundRecord[]): Promise<void> {
        this.throwIfFailed();
        const now = this.clock();
        for (const record of records) {
            const outcome = this.core.process(record.partition, record.offset, record.value, now);
            if (outcome.kind === "unassigned") continue;
            this.epochs.set(record.partition, record.leaderEpoch);
            if (!this.baseline.has(record.partition)) this.baseline.set(record.partition, record.offset);
            if (outcome.kind === "duplicate") continue;
            if (outcome.kind === "result") this.enqueue([outcome.pending]);
            if (outcome.kind === "malformed") this.hooks.onMalformed?.(record.partition, record.offset, outcome.error);
            if (outcome.idle) this.enqueue(outcome.idle);
        }
        this.pump();
        while (this.outbox.length + this.inFlight >= this.maxQueued && this.failure === null) await this.nextChange();
        this.throwIfFailed();
    }

    /** Closes windows without a value for `idleMs` (partial results) and commits what that frees. */
    flushIdle(idleMs: number): void {
        this.enqueue(this.core.flushIdle(this.clock(), idleMs));
        this.pump();
    }

    /** Resolves when every queued result is acknowledged and the resulting offsets are committed. */
    async drain(): Promise<void> {
        this.pump();
        while ((this.sending || this.committing || this.outbox.length > 0) && this.failure === null) await this.nextChange();
        this.throwIfFailed();
    }

    committed(partition: number): bigint | undefined {
        return this.lastCommitted.get(partition);
    }

    /** Committed offsets of the partitions held, for the committed_offset / consumer_lag gauges. */
    commits(): ReadonlyMap<number, bigint> {
        return this.lastCommitted;
    }

    private enqueue(results: readonly PendingResult[]): void {
        if (results.length === 0) return;
        this.hooks.onClosed?.(results);
        for (const r of results) this.outbox.push(r);
    }

    private pump(): void {
        if (this.failure !== null) return;
        if (!this.sending && this.outbox.length > 0) {
            this.sending = true;
            void this.sendLoop();
        }
        this.requestCommit();
    }

    private async sendLoop(): Promise<void> {
        try {
            while (this.outbox.length > 0 && this.failure === null) {
                const batch = this.outbox.splice(0, this.maxBatch);
                this.inFlight = batch.length;
                const start = performance.now();
                try {
                    await this.sink.send(batch.map((r) => ({ key: r.key, value: encodeResult(r.result) })));
                } catch (error) {
                    this.failure = error as Error;
                    this.hooks.onFailure?.(this.failure);
                    return;
                } finally {
                    this.inFlight = 0;
                }
                // ack() is false for results of partitions revoked while the send was in flight: never committed.
                const acked = batch.filter((r) => this.core.ack(r.token));
                if (acked.length > 0) this.hooks.onAcked?.(acked, (performance.now() - start) / 1000);
                this.requestCommit();
                this.changed();
            }
        } finally {
            this.sending = false;
            this.changed();
        }
    }

    private requestCommit(): void {
        this.commitRequested = true;
        if (this.committing) return;
        this.committing = true;
        void this.commitLoop();
    }

    private async commitLoop(): Promise<void> {
        try {
            while (this.commitRequested && this.failure === null) {
                this.commitRequested = false;
                await this.commitOnce();
            }
        } finally {
            this.committing = false;
            this.changed();
        }
    }

    /** Commits every held partition whose committable offset moved past the last commit. */
    private async commitOnce(): Promise<void> {
        const offsets: PartitionOffset[] = [];
        for (const p of this.core.assigned()) {
            const offset = this.core.committable(p);
            if (offset === null) continue; // nothing processed yet
            const last = this.lastCommitted.get(p) ?? this.baseline.get(p);
            if (last !== undefined && offset <= last) continue;
            offsets.push({ partition: p, offset, leaderEpoch: this.epochs.get(p) ?? -1 });
        }
        if (offsets.length === 0) return;
        const start = performance.now();
        try {
            await this.committer.commit(offsets);
        } catch (error) {
            // Not committing is always safe (records are replayed); the next request covers these offsets.
            this.hooks.log?.("warn", "offset commit failed; will retry with the next batch", { error: (error as Error).message });
            return;
        }
        for (const o of offsets) {
            // The partition may have been revoked while the commit was in flight; do not resurrect it.
            if (this.core.committable(o.partition) !== null) this.lastCommitted.set(o.partition, o.offset);
        }
        this.hooks.onCommit?.(offsets, (performance.now() - start) / 1000);
    }

    private throwIfFailed(): void {
        if (this.failure !== null) throw this.failure;
    }

    private nextChange(): Promise<void> {
        return new Promise((resolve) => this.waiters.push(resolve));
    }

    private changed(): void {
        for (const wake of this.waiters.splice(0)) wake();
    }
}
