/**
 * An in-memory fake of the two ports the processor's adapter uses (result sink + offset committer),
 * and the records the adapter tests feed it. Not a broker: sends stay in flight until a test acks them.
 */
import type { InboundRecord, OffsetCommitter, OutboundRecord, PartitionOffset, ResultSink } from "../../src/adapter.js";
import { encode, type Ev } from "../helpers.js";

export type Event = { kind: "send"; records: OutboundRecord[] } | { kind: "ack" } | { kind: "commit"; offsets: PartitionOffset[] };

/** Sink whose sends stay in flight until the test acks (or fails) them. */
export class FakeBroker implements ResultSink, OffsetCommitter {
    readonly log: Event[] = [];
    readonly committed = new Map<number, bigint>();
    private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
    autoAck = false;
    failCommits = false;

    send(records: readonly OutboundRecord[]): Promise<void> {
        this.log.push({ kind: "send", records: [...records] });
        if (this.autoAck) {
            this.log.push({ kind: "ack" });
            return Promise.resolve();
        }
        return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    ackAll(): void {
        for (const w of this.waiting.splice(0)) {
            this.log.push({ kind: "ack" });
            w.resolve();
        }
    }
    failAll(): void {
        for (const w of this.waiting.splice(0)) w.reject(new Error("broker unavailable"));
    }
    get inflight(): number {
        return this.waiting.length;
    }
    async commit(offsets: readonly PartitionOffset[]): Promise<void> {
        if (this.failCommits) throw new Error("REBALANCE_IN_PROGRESS");
        this.log.push({ kind: "commit", offsets: [...offsets] });
        for (const o of offsets) this.committed.set(o.partition, o.offset);
    }
}

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export function records(partition: number, events: readonly Ev[], from = 0): InboundRecord[] {
    return events.map((e, i) => ({ partition, offset: BigInt(from + i), leaderEpoch: 4, value: encode(e, from + i) }));
}
export const A = (value: number, ts = value): Ev => ({ sensor: "A", value, ts });
export const B = (value: number, ts = value): Ev => ({ sensor: "B", value, ts });
