/**
 * The sensor stream's Kafka identities: one Strimzi KafkaUser per service (SCRAM-SHA-512), with
 * ACLs for exactly the topics and group it uses. The KafkaUsers live in Kafka's namespace, where
 * Strimzi's User Operator watches; each password is generated here and stored in a Secret there
 * (the KafkaUser's `password.valueFrom`) and in the stream namespace (the service's env). Pure.
 */
import { kafkaEndpoint } from "../networkPolicies";
/** Where Kafka is and the topics the services use (the cluster stack's outputs). */
interface KafkaWiring {
    readonly bootstrap: string;
    readonly eventsTopic: string;
    readonly resultsTopic: string;
}

/** A container env entry: a value, or a key of a Secret. */
export type EnvVar =
    | { readonly name: string; readonly value: string }
    | { readonly name: string; readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } } };

export const STRIMZI_USER_API = "kafka.strimzi.io/v1";
/** The processor's consumer group (GROUP_ID). */
export const PROCESSOR_GROUP = "sensor-processor";
export const SCRAM_MECHANISM = "SCRAM-SHA-512";

export type StreamService = "producer" | "processor";
/** Kafka user name of a service; also the name of its KafkaUser and of its password Secrets. */
export const kafkaUserName = (service: StreamService) => `sensor-${service}`;
/** The password Secret's key (both namespaces). */
export const PASSWORD_KEY = "password";

type Acl = { resource: { type: "topic" | "group"; name: string; patternType: "literal" }; operations: string[]; host: "*" };
const topic = (name: string, ...operations: string[]): Acl => ({
    resource: { type: "topic", name, patternType: "literal" },
    operations,
    host: "*",
});
const group = (name: string, ...operations: string[]): Acl => ({
    resource: { type: "group", name, patternType: "literal" },
    operations,
    host: "*",
});

/** What each service may do: the producer writes events; the processor reads events in its group and writes results. */
export function streamAcls(kafka: KafkaWiring): Record<StreamService, Acl[]> {
    return {
        producer: [topic(kafka.eventsTopic, "Write", "Describe")],
        processor: [
            topic(kafka.eventsTopic, "Read", "Describe"),
            group(PROCESSOR_GROUP, "Read"),
            topic(kafka.resultsTopic, "Write", "Describe"),
        ],
    };
}

/** The KafkaUser of one service, in Kafka's namespace, labelled for its cluster. */
export function kafkaUser(service: StreamService, kafka: KafkaWiring): Record<string, unknown> {
    const { namespace, clusterName } = kafkaEndpoint(kafka.bootstrap);
    const name = kafkaUserName(service);
    return {
        apiVersion: STRIMZI_USER_API,
        kind: "KafkaUser",
        metadata: { name, namespace, labels: { "strimzi.io/cluster": clusterName, "app.kubernetes.io/part-of": "sensor-stream" } },
        spec: {
            authentication: { type: "scram-sha-512", password: { valueFrom: { secretKeyRef: { name, key: PASSWORD_KEY } } } },
            authorization: { type: "simple", acls: streamAcls(kafka)[service] },
        },
    };
}

/** The service's env for its login: the user name, and the password from the stream namespace's Secret. */
export function saslEnv(service: StreamService): EnvVar[] {
    const name = kafkaUserName(service);
    return [
        { name: "KAFKA_SASL_USERNAME", value: name },
        { name: "KAFKA_SASL_PASSWORD", valueFrom: { secretKeyRef: { name: `${name}-kafka`, key: PASSWORD_KEY } } },
    ];
}
