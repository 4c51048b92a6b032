/** The producer half of the Kafka stand-in (STAND-IN, see kafka-standin.ts): a send is one round trip, then an append. */
import { sendOptionsValidator, type ProduceResult } from "@platformatic/kafka";
import type { ProducerPort, StringSendOptions } from "../../../common/src/kafka.js";
import { check } from "./validate.js";

/** What a producer sees of the stand-in cluster. */
export interface ProducerSide {
    readonly stats: { produceRequests: number };
    readonly failProduce: Error | null;
    roundTrip(): Promise<void>;
    append(topic: string, partition: number, value: string | Buffer, key?: string): bigint;
}

/** Stand-in for Producer<string, string, string, string>: appends after one round trip (acks=-1 semantics). */
export class ProducerStandIn implements ProducerPort {
    closed = false;
    constructor(private readonly cluster: ProducerSide) {}

    async send(options: StringSendOptions): Promise<ProduceResult> {
        check(sendOptionsValidator, options, "Producer.send");
        this.cluster.stats.produceRequests++;
        await this.cluster.roundTrip();
        if (this.cluster.failProduce) throw this.cluster.failProduce;
        const offsets = options.messages.map((m) => {
            const partition = m.partition ?? 0;
            return { topic: m.topic, partition, offset: this.cluster.append(m.topic, partition, m.value ?? "", m.key) };
        });
        return { offsets };
    }

    async close(): Promise<void> {
        this.closed = true;
    }

    isConnected(): boolean {
        return !this.closed;
    }
}
