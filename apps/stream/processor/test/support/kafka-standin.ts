/**
 * STAND-IN for a Kafka cluster, seen through @platformatic/kafka's own interfaces. Not a broker and not the
 * client library: an in-memory log per partition behind objects that implement the slices of the library's
 * Consumer, MessagesStream and Producer that the processor uses (`ConsumerPort`, `ProducerPort`), typed with the
 * library's types. Every call's options are checked with the library's own validators (the ones the real client
 * runs first), and every request costs a configurable round trip (`rttMs`, default 2 ms) on the event loop, like
 * a network hop would. What it does not show: the wire protocol, group coordination across processes, broker
 * failures, fetch sizing; see apps/stream/README.md ("What only a real broker shows").
 */
import { EventEmitter } from "node:events";
import {
    commitOptionsValidator,
    consumeOptionsValidator,
    listOffsetsOptionsValidator,
    type CommitOptions,
    type ConsumeOptions,
    type ConsumerEvents,
    type GroupAssignment,
    type ListOffsetsOptions,
    type Message,
    type Offsets,
} from "@platformatic/kafka";
import type { ConsumedStream, ConsumerPort, EventMessage } from "../../src/kafka.js";
import { ProducerStandIn } from "./producer-standin.js";
import { check } from "./validate.js";

interface Entry {
    readonly key: Buffer | undefined;
    readonly value: Buffer;
    readonly timestamp: bigint;
}

export class KafkaStandIn {
    private readonly logs = new Map<string, Entry[][]>();
    private readonly commits = new Map<string, bigint>();
    private readonly appended = new EventEmitter();
    /** Emits 'change' after every append, commit and answered request (for `until`). */
    private readonly events = new EventEmitter();
    readonly stats = { produceRequests: 0, commitRequests: 0, fetchRequests: 0, listOffsetsRequests: 0 };
    /** Set to make the next requests fail (broker unavailable). */
    failProduce: Error | null = null;

    constructor(readonly rttMs = 2) {
        this.appended.setMaxListeners(0);
        this.events.setMaxListeners(0);
    }

    /** One network round trip. */
    async roundTrip(): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, this.rttMs));
        queueMicrotask(() => this.events.emit("change"));
    }

    /** Resolves once `predicate` holds, re-checked after every change of the stand-in's state (no polling). */
    until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
        return new Promise((resolve, reject) => {
            const recheck = (): void => {
                if (!predicate()) return;
                done();
                resolve();
            };
            const timer = setTimeout(() => {
                done();
                reject(new Error(`stand-in: timed out waiting for ${what}`));
            }, timeoutMs);
            const done = (): void => {
                clearTimeout(timer);
                this.events.off("change", recheck);
            };
            this.events.on("change", recheck);
            recheck();
        });
    }

    createTopic(topic: string, partitions: number): void {
        this.logs.set(
            topic,
            Array.from({ length: partitions }, () => []),
        );
    }

    partitions(topic: string): Entry[][] {
        const log = this.logs.get(topic);
        if (!log) throw new Error(`UNKNOWN_TOPIC_OR_PARTITION: ${topic}`);
        return log;
    }

    append(topic: string, partition: number, value: string | Buffer, key?: string): bigint {
        const log = this.partitions(topic)[partition]!;
        log.push({ key: key === undefined ? undefined : Buffer.from(key), value: Buffer.from(value), timestamp: BigInt(Date.now()) });
        this.appended.emit("append");
        this.events.emit("change");
        return BigInt(log.length - 1);
    }

    read(topic: string, partition: number): readonly Entry[] {
        return this.partitions(topic)[partition]!;
    }

    committed(group: string, topic: string, partition: number): bigint | undefined {
        return this.commits.get(`${group}/${topic}/${partition}`);
    }

    /** Resolves on the next append (used by streams that caught up; no polling). */
    nextAppend(signal: AbortSignal): Promise<void> {
        return new Promise((resolve) => {
            const done = (): void => {
                this.appended.off("append", done);
                signal.removeEventListener("abort", done);
                resolve();
            };
            this.appended.once("append", done);
            signal.addEventListener("abort", done, { once: true });
        });
    }

    /** `endWhenCaughtUp`: the stream ends once it has handed out every record (benchmarks over a finite log). */
    consumer(groupId: string, opts: { endWhenCaughtUp?: boolean } = {}): ConsumerStandIn {
        return new ConsumerStandIn(this, groupId, opts.endWhenCaughtUp ?? false);
    }

    producer(): ProducerStandIn {
        return new ProducerStandIn(this);
    }

    commitOffsets(group: string, options: CommitOptions): void {
        for (const o of options.offsets) this.commits.set(`${group}/${o.topic}/${o.partition}`, o.offset);
        this.events.emit("change");
    }
}

/** Stand-in for Consumer<Buffer, Buffer, Buffer, Buffer> as the only member of its group. */
export class ConsumerStandIn extends EventEmitter implements ConsumerPort {
    assignments: GroupAssignment[] | null = null;
    private stream: StreamStandIn | null = null;
    closed = false;

    constructor(
        private readonly cluster: KafkaStandIn,
        readonly groupId: string,
        private readonly endWhenCaughtUp: boolean,
    ) {
        super();
    }

    override on<K extends keyof ConsumerEvents>(event: K, listener: ConsumerEvents[K]): this {
        return super.on(event, listener as (...args: unknown[]) => void);
    }

    async consume(options: ConsumeOptions<Buffer, Buffer, Buffer, Buffer>): Promise<ConsumedStream> {
        check(consumeOptionsValidator, options, "Consumer.consume");
        if (options.mode !== "committed") throw new Error(`stand-in supports mode "committed" only, got ${options.mode}`);
        await this.cluster.roundTrip();
        const topic = options.topics[0]!;
        this.stream = new StreamStandIn(this.cluster, this.groupId, topic, this.endWhenCaughtUp);
        this.rebalance(this.cluster.partitions(topic).map((_, p) => p));
        return this.stream;
    }

    /**
     * A group re-join giving this member `partitions`: the join event first, then (like the real client) every
     * held partition is re-read from the group's committed offset.
     */
    rebalance(partitions: number[]): void {
        const topic = this.stream!.topic;
        this.assignments = [{ topic, partitions }];
        this.emit("consumer:group:join", { groupId: this.groupId, memberId: "standin-member", assignments: this.assignments });
        this.stream!.assign(partitions);
    }

    heartbeat(): void {
        this.emit("consumer:heartbeat:end", { groupId: this.groupId });
    }

    async commit(options: CommitOptions): Promise<void> {
        check(commitOptionsValidator, options, "Consumer.commit");
        this.cluster.stats.commitRequests++;
        await this.cluster.roundTrip();
        this.cluster.commitOffsets(this.groupId, options);
    }

    async listOffsets(options: ListOffsetsOptions): Promise<Offsets> {
        check(listOffsetsOptionsValidator, options, "Consumer.listOffsets");
        this.cluster.stats.listOffsetsRequests++;
        await this.cluster.roundTrip();
        return new Map(options.topics.map((t) => [t, this.cluster.partitions(t).map((log) => BigInt(log.length))]));
    }

    async close(): Promise<void> {
        this.closed = true;
        await this.stream?.close();
    }
}

/** Stand-in for MessagesStream: fetches up to `maxRecords` per round trip, round-robin over assigned partitions. */
class StreamStandIn implements ConsumedStream {
    private readonly positions = new Map<number, number>();
    private readonly abort = new AbortController();
    private buffer: EventMessage[] = [];

    constructor(
        private readonly cluster: KafkaStandIn,
        private readonly groupId: string,
        readonly topic: string,
        private readonly endWhenCaughtUp: boolean,
        private readonly maxRecords = 500,
    ) {}

    assign(partitions: number[]): void {
        this.positions.clear();
        for (const p of partitions) this.positions.set(p, Number(this.cluster.committed(this.groupId, this.topic, p) ?? 0n));
        // Records fetched before the re-join are still handed out (as by the real client), which the processor
        // must recognise as stale or duplicate.
    }

    async close(): Promise<void> {
        this.abort.abort();
    }

    async *[Symbol.asyncIterator](): AsyncGenerator<EventMessage> {
        while (!this.abort.signal.aborted) {
            if (this.buffer.length === 0) {
                this.fetch();
                if (this.buffer.length === 0) {
                    if (this.endWhenCaughtUp) return;
                    await this.cluster.nextAppend(this.abort.signal);
                    continue;
                }
                this.cluster.stats.fetchRequests++;
                await this.cluster.roundTrip();
                if (this.abort.signal.aborted) return;
            }
            yield this.buffer.shift()!;
        }
    }

    private fetch(): void {
        const perPartition = Math.max(1, Math.floor(this.maxRecords / Math.max(1, this.positions.size)));
        for (const [p, from] of this.positions) {
            const log = this.cluster.read(this.topic, p);
            const to = Math.min(log.length, from + perPartition);
            for (let o = from; o < to; o++) this.buffer.push(message(this.topic, p, BigInt(o), log[o]!));
            this.positions.set(p, to);
        }
    }
}

function message(topic: string, partition: number, offset: bigint, entry: Entry): EventMessage {
    const m: Message<Buffer, Buffer, Buffer, Buffer> = {
        topic,
        partition,
        offset,
        leaderEpoch: 0,
        key: entry.key ?? Buffer.alloc(0),
        value: entry.value,
        timestamp: entry.timestamp,
        headers: new Map(),
        headerEntries: [],
        metadata: {},
        commit: () => Promise.reject(new Error("the processor commits through Consumer.commit, never Message.commit")),
        toJSON: () =>
            ({ topic, partition, offset: offset.toString(), timestamp: entry.timestamp.toString() }) as unknown as ReturnType<
                Message["toJSON"]
            >,
    };
    return m;
}
