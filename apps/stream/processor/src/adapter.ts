/**
 * Kafka-facing adapter of the processor: owns the ordering rules that make processing at-least-once.
 *
 *   records -> WindowCore.process -> results sent (awaited until the broker acks) -> WindowCore.ack
 *           -> commit of WindowCore.committable(p), only if it moved forward, only for partitions still held.
 *
 * It talks to Kafka only through the two small ports below, so tests can drive it with in-memory fakes; the
 * real implementation (./kafka.ts) wraps @platformatic/kafka. Calls into the core are synchronous, so an
 * assignment change that arrives while a send is in flight is applied atomically: the late ack of a revoked
 * partition's result is ignored and never leads to a commit.
 */
import { encodeResult } from '../../common/src/wire.js';
import type { Logger } from '../../common/src/log.js';
import type { WindowCore, PendingResult } from './window-core.js';

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
  readonly onResults?: (count: number) => void;
  readonly onCommit?: (offsets: readonly PartitionOffset[]) => void;
}

export class StreamProcessor {
  private readonly lastCommitted = new Map<number, bigint>();
  private readonly epochs = new Map<number, number>();

  constructor(
    private readonly core: WindowCore,
    private readonly sink: ResultSink,
    private readonly committer: OffsetCommitter,
    private readonly hooks: AdapterHooks = {},
  ) {}

  /** The group gave this member exactly `partitions` of the input topic. */
  onAssignment(partitions: readonly number[]): void {
    const { assigned, revoked } = this.core.setAssignment(partitions);
    for (const p of revoked) {
      this.lastCommitted.delete(p);
      this.epochs.delete(p);
    }
    if (assigned.length > 0 || revoked.length > 0) {
      this.hooks.log?.('info', 'assignment changed', { assigned, revoked, held: this.core.assigned() });
    }
  }

  /**
   * Processes a batch of records in order, publishes the closed windows' results, waits for the broker's
   * acknowledgement, then commits what became committable. Rejects if the send fails: the caller must then
   * stop without committing (the records are replayed from the last commit by the next owner).
   */
  async handle(records: readonly InboundRecord[]): Promise<void> {
    const results: PendingResult[] = [];
    const touched = new Set<number>();
    for (const record of records) {
      const outcome = this.core.process(record.partition, record.offset, record.value);
      switch (outcome.kind) {
        case 'result':
          results.push(outcome.pending);
          break;
        case 'malformed':
          this.hooks.onMalformed?.(record.partition, record.offset, outcome.error);
          break;
        case 'buffered':
        case 'duplicate':
        case 'unassigned':
          break;
      }
      if (outcome.kind !== 'unassigned') {
        touched.add(record.partition);
        this.epochs.set(record.partition, record.leaderEpoch);
      }
    }
    if (results.length > 0) {
      await this.sink.send(results.map((r) => ({ key: r.key, value: encodeResult(r.result) })));
      for (const r of results) this.core.ack(r.token);
      this.hooks.onResults?.(results.length);
    }
    await this.commit(touched);
  }

  /** Commits every touched partition whose committable offset moved past the last commit. */
  private async commit(partitions: Iterable<number>): Promise<void> {
    const offsets: PartitionOffset[] = [];
    for (const p of partitions) {
      const offset = this.core.committable(p);
      if (offset === null) continue; // revoked meanwhile, or nothing processed
      const last = this.lastCommitted.get(p);
      if (last !== undefined && offset <= last) continue;
      offsets.push({ partition: p, offset, leaderEpoch: this.epochs.get(p) ?? -1 });
    }
    if (offsets.length === 0) return;
    try {
      await this.committer.commit(offsets);
    } catch (error) {
      // Not committing is always safe (records are replayed); a later commit covers these offsets.
      this.hooks.log?.('warn', 'offset commit failed; will retry with the next batch', { error: (error as Error).message });
      return;
    }
    for (const o of offsets) {
      // The partition may have been revoked while the commit was in flight; do not resurrect it.
      if (this.core.committable(o.partition) !== null) this.lastCommitted.set(o.partition, o.offset);
    }
    this.hooks.onCommit?.(offsets);
  }

  committed(partition: number): bigint | undefined {
    return this.lastCommitted.get(partition);
  }
}
