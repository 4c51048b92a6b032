/**
 * The one producer setup both services use, on @platformatic/kafka (pure JavaScript client), and the narrow
 * slice of its Producer interface they depend on. The slice is typed with the library's own types, so the real
 * Producer is checked against it by the compiler and tests can pass a stand-in that implements the same slice.
 */
import { Producer, stringSerializers, type ProduceResult, type SASLOptions, type SendOptions } from "@platformatic/kafka";
import type { SaslCredentials } from "./env.js";

export type StringSendOptions = SendOptions<string, string, string, string>;

/** What the services use of @platformatic/kafka's Producer<string, string, string, string>. */
export interface ProducerPort {
    send(options: StringSendOptions): Promise<ProduceResult>;
    close(): Promise<void>;
    /** Whether the client holds a live connection to every broker it opened one to (false before the first). */
    isConnected(): boolean;
}

export interface KeyedRecord {
    readonly key: string;
    readonly value: string;
}

/** The client's SASL option for a service's credentials (none: an unauthenticated listener). */
export function saslOption(sasl: SaslCredentials | undefined): { sasl?: SASLOptions } {
    return sasl === undefined ? {} : { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } };
}

export function createProducer(opts: {
    brokers: readonly string[];
    clientId: string;
    sasl?: SaslCredentials;
}): Producer<string, string, string, string> {
    return new Producer({
        clientId: opts.clientId,
        bootstrapBrokers: [...opts.brokers],
        ...saslOption(opts.sasl),
        serializers: stringSerializers,
        // Wait for all in-sync replicas: an ack means the record survives a broker loss.
        acks: -1,
    });
}

/**
 * Sends keyed records to one topic; resolves once the broker acknowledged every one of them. Keyed by sensor:
 * the default partitioner hashes the key, so the records of a sensor stay in order.
 */
export function sendKeyed(producer: ProducerPort, topic: string, records: readonly KeyedRecord[]): Promise<ProduceResult> {
    return producer.send({ messages: records.map((r) => ({ topic, key: r.key, value: r.value })) });
}
