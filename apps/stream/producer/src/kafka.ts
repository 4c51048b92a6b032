/** The real event sink on @platformatic/kafka (pure JavaScript client). Not exercised by unit tests. */
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { EventRecord, EventSink } from './run.js';

export function createEventSink(opts: { brokers: string[]; clientId: string; topic: string }): EventSink {
  const producer = new Producer({
    clientId: opts.clientId,
    bootstrapBrokers: opts.brokers,
    serializers: stringSerializers,
    acks: -1,
  });
  return {
    async send(records: readonly EventRecord[]): Promise<void> {
      // Keyed by sensor: the default partitioner hashes the key, so a sensor's events stay in order.
      await producer.send({ messages: records.map((r) => ({ topic: opts.topic, key: r.key, value: r.value })) });
    },
    async close(): Promise<void> {
      await producer.close();
    },
  };
}
