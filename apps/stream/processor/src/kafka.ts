/**
 * The real Kafka ports for the adapter, on @platformatic/kafka (pure JavaScript client, no native build).
 * Not exercised by the unit tests (no broker runs in CI); kept thin so that the logic under test is the adapter.
 */
import { Consumer, Producer, stringSerializers, type Message } from '@platformatic/kafka';
import type { InboundRecord, OffsetCommitter, OutboundRecord, PartitionOffset, ResultSink } from './adapter.js';

export type KafkaConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

export function createConsumer(opts: { brokers: string[]; clientId: string; groupId: string }): KafkaConsumer {
  return new Consumer({
    clientId: opts.clientId,
    bootstrapBrokers: opts.brokers,
    groupId: opts.groupId,
    // Offsets are committed by the adapter, only after the results they account for were acknowledged.
    autocommit: false,
  });
}

export function createResultSink(opts: { brokers: string[]; clientId: string; topic: string }): ResultSink & {
  close(): Promise<void>;
} {
  const producer = new Producer({
    clientId: `${opts.clientId}-results`,
    bootstrapBrokers: opts.brokers,
    serializers: stringSerializers,
    // Wait for all in-sync replicas: an ack means the result survives a broker loss.
    acks: -1,
  });
  return {
    async send(records: readonly OutboundRecord[]): Promise<void> {
      await producer.send({ messages: records.map((r) => ({ topic: opts.topic, key: r.key, value: r.value })) });
    },
    async close(): Promise<void> {
      await producer.close();
    },
  };
}

export function createCommitter(consumer: KafkaConsumer, topic: string): OffsetCommitter {
  return {
    async commit(offsets: readonly PartitionOffset[]): Promise<void> {
      await consumer.commit({
        offsets: offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch })),
      });
    },
  };
}

export function toInbound(message: Message<Buffer, Buffer, Buffer, Buffer>): InboundRecord {
  return { partition: message.partition, offset: message.offset, leaderEpoch: message.leaderEpoch, value: message.value };
}

/** Partitions of `topic` currently assigned to this member. */
export function assignedPartitions(consumer: KafkaConsumer, topic: string): number[] {
  return consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
}
