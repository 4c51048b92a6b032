/** The producer's event sink on the shared @platformatic/kafka producer setup (../../common/src/kafka.ts). */
import { sendKeyed, type ProducerPort } from "../../common/src/kafka.js";
import type { EventSink } from "./run.js";

export function eventSink(producer: ProducerPort, topic: string): EventSink {
    return {
        async send(records) {
            await sendKeyed(producer, topic, records);
        },
        close: () => producer.close(),
        connected: () => producer.isConnected(),
    };
}
