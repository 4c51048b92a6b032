/**
 * Pure windowing + offset-tracking core of the processor. No I/O, no clock, no Kafka types: the adapter
 * (./adapter.ts) feeds it records and tells it about assignments and produce acknowledgements.
 *
 * Model (per assigned partition p):
 *  - one open count window per sensor seen on p: first offset, running sum, count, min/max event ts;
 *  - when a window reaches `windowSize` values it closes and becomes a *pending* result (emitted, not yet
 *    acknowledged by the broker); `ack(token)` removes it;
 *  - committable(p) = smallest first offset of any open window or pending result on p, or, when there is
 *    none, last processed offset + 1. Everything below it is fully reflected in acknowledged results (or was
 *    malformed and skipped), so committing it never loses a message; everything at or above it is replayed
 *    by whoever owns p after a crash or rebalance.
 *  - commit policy over time: a window closes early, as a *partial* result (reason "idle"), when its first offset
 *    falls more than `maxSpan` offsets behind the partition's newest record (checked on every record), or when
 *    it got no value for `idleMs` of the caller's clock (`flushIdle`). So once every emitted result is
 *    acknowledged, committable(p) >= last processed offset + 1 - maxSpan: a sensor that goes quiet cannot pin
 *    the committed offset, and a crash replays at most `maxSpan` records of p plus those not yet committed.
 *  - revoke(p) drops p's open windows and pending results without publishing; assign(p) starts it empty.
 *  - records at or below the last processed offset of p are duplicates (the client re-delivers from the
 *    committed offset after a group re-join even for partitions it keeps) and are skipped; records of a
 *    partition not assigned to us (still buffered from before a revoke) are ignored.
 */
import { decodeEvent, type WindowResult } from "../../common/src/wire.js";

export interface CoreOptions {
    /** Values per window (count window), >= 1. */
    readonly windowSize: number;
    /** Most offsets a window may span (first value to newest record of its partition), >= windowSize. Default: unbounded. */
    readonly maxSpan?: number;
}

export type CloseReason = "complete" | "idle";

export interface PendingResult {
    /** Handle for ack(); unique within one core. */
    readonly token: number;
    readonly partition: number;
    /** Kafka key of the result record (the sensor, so results of a sensor stay ordered). */
    readonly key: string;
    readonly result: WindowResult;
    readonly reason: CloseReason;
    /** Offsets of the first and last event of the window (diagnostics). */
    readonly firstOffset: bigint;
    readonly lastOffset: bigint;
}

/** `idle`: other windows of the partition this record pushed past `maxSpan` (closed as partial results). */
export type Outcome =
    | { readonly kind: "buffered"; readonly idle?: readonly PendingResult[] }
    | { readonly kind: "result"; readonly pending: PendingResult; readonly idle?: readonly PendingResult[] }
    | { readonly kind: "malformed"; readonly error: string; readonly idle?: readonly PendingResult[] }
    | { readonly kind: "duplicate" }
    | { readonly kind: "unassigned" };

const BUFFERED = { kind: "buffered" } as const;
const DUPLICATE: Outcome = { kind: "duplicate" };
const UNASSIGNED: Outcome = { kind: "unassigned" };

interface Window {
    readonly firstOffset: bigint;
    sum: number;
    count: number;
    minTs: number;
    maxTs: number;
    lastOffset: bigint;
    /** Caller's clock at the last value (for flushIdle). */
    lastSeen: number;
}

interface PartitionState {
    /** Last processed offset + 1, or null before the first record since assignment. */
    next: bigint | null;
    /** Open windows in insertion order, which is ascending first offset (a window is inserted when it opens). */
    readonly windows: Map<string, Window>;
    /** token -> first offset of the window whose result is in flight. */
    readonly pending: Map<number, bigint>;
}

export interface CoreStats {
    processed: number;
    malformed: number;
    duplicates: number;
    unassigned: number;
    resultsEmitted: number;
    resultsAcked: number;
    windowsClosedIdle: number;
    windowsDroppedOnRevoke: number;
    pendingDroppedOnRevoke: number;
}

export class WindowCore {
    private readonly partitions = new Map<number, PartitionState>();
    /** token -> partition, for ack(). */
    private readonly pendingIndex = new Map<number, number>();
    private nextToken = 1;
    readonly stats: CoreStats = {
        processed: 0,
        malformed: 0,
        duplicates: 0,
        unassigned: 0,
        resultsEmitted: 0,
        resultsAcked: 0,
        windowsClosedIdle: 0,
        windowsDroppedOnRevoke: 0,
        pendingDroppedOnRevoke: 0,
    };
    readonly windowSize: number;
    readonly maxSpan: bigint | null;

    constructor(options: CoreOptions) {
        if (!Number.isSafeInteger(options.windowSize) || options.windowSize < 1) {
            throw new RangeError(`windowSize must be a positive integer, got ${options.windowSize}`);
        }
        const span = options.maxSpan;
        if (span !== undefined && (!Number.isSafeInteger(span) || span < options.windowSize)) {
            throw new RangeError(`maxSpan must be an integer >= windowSize (${options.windowSize}), got ${span}`);
        }
        this.windowSize = options.windowSize;
        this.maxSpan = span === undefined ? null : BigInt(span);
    }

    /** Partitions newly given to this member start empty; partitions already held keep their state. */
    assign(partitions: Iterable<number>): void {
        for (const p of partitions) {
            if (!this.partitions.has(p)) this.partitions.set(p, { next: null, windows: new Map(), pending: new Map() });
        }
    }

    /** Drops the partitions' open windows and in-flight results without publishing anything. */
    revoke(partitions: Iterable<number>): void {
        for (const p of partitions) {
            const state = this.partitions.get(p);
            if (!state) continue;
            this.stats.windowsDroppedOnRevoke += state.windows.size;
            this.stats.pendingDroppedOnRevoke += state.pending.size;
            for (const token of state.pending.keys()) this.pendingIndex.delete(token);
            this.partitions.delete(p);
        }
    }

    /** Sets the assignment to exactly `partitions`: revokes the others, assigns the new ones. */
    setAssignment(partitions: Iterable<number>): { assigned: number[]; revoked: number[] } {
        const wanted = new Set(partitions);
        const revoked = [...this.partitions.keys()].filter((p) => !wanted.has(p));
        const assigned = [...wanted].filter((p) => !this.partitions.has(p));
        this.revoke(revoked);
        this.assign(assigned);
        return { assigned, revoked };
    }

    assigned(): number[] {
        return [...this.partitions.keys()].sort((a, b) => a - b);
    }

    /** Feeds one record of `events`; `now` is the caller's clock (ms), used only by flushIdle. */
    process(partition: number, offset: bigint, value: Uint8Array | string | null | undefined, now = 0): Outcome {
        const state = this.partitions.get(partition);
        if (!state) {
            this.stats.unassigned++;
            return UNASSIGNED;
        }
        if (state.next !== null && offset < state.next) {
            this.stats.duplicates++;
            return DUPLICATE;
        }
        state.next = offset + 1n;
        this.stats.processed++;
        const decoded = decodeEvent(value);
        let outcome: Extract<Outcome, { kind: "buffered" | "result" | "malformed" }>;
        if (!decoded.ok) {
            this.stats.malformed++;
            outcome = { kind: "malformed", error: decoded.error };
        } else {
            const { sensor, value: v, ts } = decoded.value;
            let window = state.windows.get(sensor);
            if (!window) {
                window = { firstOffset: offset, lastOffset: offset, sum: 0, count: 0, minTs: ts, maxTs: ts, lastSeen: now };
                state.windows.set(sensor, window);
            }
            window.sum += v;
            window.count++;
            window.lastSeen = now;
            window.lastOffset = offset;
            if (ts < window.minTs) window.minTs = ts;
            if (ts > window.maxTs) window.maxTs = ts;
            outcome =
                window.count < this.windowSize
                    ? BUFFERED
                    : { kind: "result", pending: this.close(partition, state, sensor, window, "complete") };
        }
        const idle = this.closeSpanned(partition, state, offset);
        return idle === null ? outcome : { ...outcome, idle };
    }

    /** Closes the windows whose first offset is more than maxSpan behind the newest record (oldest first). */
    private closeSpanned(partition: number, state: PartitionState, offset: bigint): PendingResult[] | null {
        if (this.maxSpan === null) return null;
        const oldestAllowed = offset + 1n - this.maxSpan;
        let closed: PendingResult[] | null = null;
        for (const [sensor, window] of state.windows) {
            if (window.firstOffset >= oldestAllowed) break; // insertion order is ascending first offset
            (closed ??= []).push(this.close(partition, state, sensor, window, "idle"));
        }
        return closed;
    }

    /** Closes every window on held partitions that got no value since `now - idleMs` (partial results). */
    flushIdle(now: number, idleMs: number): PendingResult[] {
        const closed: PendingResult[] = [];
        for (const [partition, state] of this.partitions) {
            for (const [sensor, window] of state.windows) {
                if (now - window.lastSeen >= idleMs) closed.push(this.close(partition, state, sensor, window, "idle"));
            }
        }
        return closed;
    }

    private close(partition: number, state: PartitionState, sensor: string, window: Window, reason: CloseReason): PendingResult {
        state.windows.delete(sensor);
        const token = this.nextToken++;
        state.pending.set(token, window.firstOffset);
        this.pendingIndex.set(token, partition);
        this.stats.resultsEmitted++;
        if (reason === "idle") this.stats.windowsClosedIdle++;
        return {
            token,
            partition,
            key: sensor,
            reason,
            firstOffset: window.firstOffset,
            lastOffset: window.lastOffset,
            result: {
                sensor,
                avg: window.sum / window.count,
                count: window.count,
                windowStart: window.minTs,
                windowEnd: window.maxTs,
                partial: reason === "idle",
            },
        };
    }

    /** The broker acknowledged the result; returns false if it was dropped by a revoke meanwhile. */
    ack(token: number): boolean {
        const partition = this.pendingIndex.get(token);
        if (partition === undefined) return false;
        this.pendingIndex.delete(token);
        this.partitions.get(partition)?.pending.delete(token);
        this.stats.resultsAcked++;
        return true;
    }

    /** Offset to commit for the partition (Kafka's "next offset to read"), or null if nothing to commit. */
    committable(partition: number): bigint | null {
        const state = this.partitions.get(partition);
        if (!state || state.next === null) return null;
        let min = state.next;
        for (const w of state.windows.values()) if (w.firstOffset < min) min = w.firstOffset;
        for (const first of state.pending.values()) if (first < min) min = first;
        return min;
    }

    openWindows(partition: number): number {
        return this.partitions.get(partition)?.windows.size ?? 0;
    }

    /** Largest open window size over all partitions (never reaches windowSize). */
    maxOpenWindowCount(): number {
        let max = 0;
        for (const state of this.partitions.values()) for (const w of state.windows.values()) max = Math.max(max, w.count);
        return max;
    }

    pendingCount(): number {
        return this.pendingIndex.size;
    }
}
