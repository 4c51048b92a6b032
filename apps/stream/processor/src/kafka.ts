/**
 * The processor's wiring to @platformatic/kafka. The loop (./service.ts) depends only on the slices of the
 * library's Consumer and MessagesStream below, typed with the library's own types: the compiler checks the real
 * Consumer against them (createConsumer), and tests run the same loop on a stand-in implementing them.
 */
import {
    Consumer,
    type CommitOptions,
    type ConsumeOptions,
    type ConsumerEvents,
    type GroupAssignment,
    type ListOffsetsOptions,
    type Message,
    type Offsets,
} from "@platformatic/kafka";
import { saslOption, sendKeyed, type ProducerPort } from "../../common/src/kafka.js";
import type { SaslCredentials } from "../../common/src/env.js";
import type { InboundRecord, OffsetCommitter, PartitionOffset, ResultSink } from "./adapter.js";

export type EventMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** What the loop uses of MessagesStream<Buffer, Buffer, Buffer, Buffer>. */
export interface ConsumedStream extends AsyncIterable<EventMessage> {
    close(): Promise<void>;
}

/** What the loop uses of Consumer<Buffer, Buffer, Buffer, Buffer>. */
export interface ConsumerPort {
    readonly assignments: GroupAssignment[] | null;
    consume(options: ConsumeOptions<Buffer, Buffer, Buffer, Buffer>): Promise<ConsumedStream>;
    commit(options: CommitOptions): Promise<void>;
    listOffsets(options: ListOffsetsOptions): Promise<Offsets>;
    on<K extends keyof ConsumerEvents>(event: K, listener: ConsumerEvents[K]): unknown;
    close(): Promise<void>;
}

export function createConsumer(opts: {
    brokers: readonly string[];
    clientId: string;
    groupId: string;
    sasl?: SaslCredentials;
}): Consumer<Buffer, Buffer, Buffer, Buffer> {
    return new Consumer({
        clientId: opts.clientId,
        bootstrapBrokers: [...opts.brokers],
        ...saslOption(opts.sasl),
        groupId: opts.groupId,
        // Offsets are committed by the adapter, only after the results they account for were acknowledged.
        autocommit: false,
    });
}

/** The options the loop consumes with: from the group's committed offset, earliest when there is none. */
export function consumeOptions(topic: string): ConsumeOptions<Buffer, Buffer, Buffer, Buffer> {
    return { topics: [topic], mode: "committed", fallbackMode: "earliest", autocommit: false };
}

export function resultSink(producer: ProducerPort, topic: string): ResultSink {
    return {
        async send(records) {
            await sendKeyed(producer, topic, records);
        },
    };
}

export function committer(consumer: ConsumerPort, topic: string): OffsetCommitter {
    return {
        commit(offsets: readonly PartitionOffset[]): Promise<void> {
            return consumer.commit({
                offsets: offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch })),
            });
        },
    };
}

export function toInbound(message: EventMessage): InboundRecord {
    return { partition: message.partition, offset: message.offset, leaderEpoch: message.leaderEpoch, value: message.value };
}

/** Partitions of `topic` held by this member according to a join payload or the consumer's assignments. */
export function partitionsOf(assignments: readonly GroupAssignment[] | null | undefined, topic: string): number[] {
    return assignments?.find((a) => a.topic === topic)?.partitions ?? [];
}
