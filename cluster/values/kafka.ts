/**
 * Kafka on Strimzi: operator chart values, the KRaft `Kafka` / `KafkaNodePool` / `KafkaTopic`
 * specs, the JMX exporter rules and a Grafana dashboard. Pure functions.
 */
import { stringify } from "yaml";
import type { ClusterConfig } from "../config";
import { memoryMiB } from "../../lib/fit";
import { LIMIT_RULES, resources, SIZES, withLimit } from "../sizing";
import { splitImage } from "./images";
import { type Dashboard, grafanaDashboard, type Panel } from "../../lib/monitoring/dashboard";

export const STRIMZI_API = "kafka.strimzi.io/v1";
export const TOPICS = { events: "events", results: "results" } as const;
export const PLAIN_PORT = 9092;
export const METRICS_CONFIG_KEY = "kafka-metrics-config.yml";
/** Port name Strimzi gives the Prometheus exporter on broker pods. */
export const METRICS_PORT_NAME = "tcp-prometheus";

export interface Replication {
    readonly replicas: number;
    readonly minInsyncReplicas: number;
}

/**
 * Replication follows the broker count: three copies when there are three or more brokers,
 * otherwise one per broker; a write needs all copies but one (at least one). prod (3 brokers):
 * RF 3, min.insync 2 — one broker may be down. dev with 1 broker: RF 1, min.insync 1; with 2:
 * RF 2, min.insync 1.
 */
export function replicationFor(brokers: number): Replication {
    if (!Number.isInteger(brokers) || brokers < 1) throw new Error(`a Kafka cluster needs at least one broker, got ${brokers}`);
    const replicas = Math.min(3, brokers);
    return { replicas, minInsyncReplicas: Math.max(1, replicas - 1) };
}

export function bootstrapAddress(kafka: ClusterConfig["kafka"]): string {
    return `${kafka.clusterName}-kafka-bootstrap.${kafka.namespace}.svc:${PLAIN_PORT}`;
}

/** The operator runs in the Kafka namespace and watches only that namespace. */
export function strimziOperatorValues(image: string): Record<string, unknown> {
    const parts = splitImage(image);
    return {
        watchNamespaces: [],
        watchAnyNamespace: false,
        image: { registry: parts.registry, repository: parts.namespace, name: parts.name, tag: parts.tag },
        defaultImageRegistry: parts.registry,
        defaultImageRepository: parts.namespace,
        defaultImageTag: parts.tag,
        resources: resources(SIZES.strimziOperator),
        // The layer ships its own dashboard, matching its own JMX exporter rules.
        dashboards: { enabled: false },
        // Strimzi's own NetworkPolicies: listeners only for the peers each listener names
        // (networkPolicyPeers below); its metrics port stays open to Prometheus by default.
        generateNetworkPolicy: true,
        fullReconciliationIntervalMs: 120000,
        operationTimeoutMs: 300000,
        podDisruptionBudget: { enabled: false },
        // Pod Security `restricted` in Kafka's namespace (cluster/namespaces.ts): the operator's
        // own pod, and Strimzi's restricted provider for every pod it creates.
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
        extraEnvs: [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }],
    };
}

/** Broker config that follows the replication rule (internal topics included). */
export function brokerConfig(brokers: number): Record<string, string | number | boolean> {
    const rep = replicationFor(brokers);
    return {
        "default.replication.factor": rep.replicas,
        "min.insync.replicas": rep.minInsyncReplicas,
        "offsets.topic.replication.factor": rep.replicas,
        "transaction.state.log.replication.factor": rep.replicas,
        "transaction.state.log.min.isr": rep.minInsyncReplicas,
        // Topics exist because they are declared as KafkaTopic resources, not because a client typo'd.
        "auto.create.topics.enable": false,
    };
}

/** Only pods of these namespaces may reach the client listeners (Strimzi renders the policy). */
function clientPeers(namespaces: readonly string[]): Record<string, unknown>[] {
    return namespaces.map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }));
}

export function kafkaSpec(kafka: ClusterConfig["kafka"], metricsConfigMap: string): Record<string, unknown> {
    return {
        kafka: {
            version: kafka.version,
            // Every client authenticates as a KafkaUser (SCRAM-SHA-512; SCRAM never sends the password)
            // and may do only what that user's ACLs allow: there is no anonymous listener.
            listeners: [
                {
                    name: "scram",
                    port: PLAIN_PORT,
                    type: "internal",
                    tls: false,
                    authentication: { type: "scram-sha-512" },
                    networkPolicyPeers: clientPeers(kafka.clientNamespaces),
                },
                {
                    name: "tls",
                    port: 9093,
                    type: "internal",
                    tls: true,
                    authentication: { type: "scram-sha-512" },
                    networkPolicyPeers: clientPeers(kafka.clientNamespaces),
                },
            ],
            authorization: { type: "simple" },
            config: brokerConfig(kafka.brokers),
            metricsConfig: {
                type: "jmxPrometheusExporter",
                valueFrom: { configMapKeyRef: { name: metricsConfigMap, key: METRICS_CONFIG_KEY } },
            },
        },
        entityOperator: {
            topicOperator: { resources: resources(SIZES.topicOperator) },
            userOperator: { resources: resources(SIZES.userOperator) },
        },
    };
}

/** JVM heap: half the container's memory, the rest for page cache and off-heap buffers. */
export function heapFor(memory: string): string {
    return `${Math.max(256, Math.floor(memoryMiB(memory) / 2))}m`;
}

/**
 * `protectData` (the environment's data-protection setting) decides whether a broker's claim
 * outlives the node pool: kept where data is protected, deleted with it where it is not (dev),
 * so scaling down or tearing down does not leave a Cinder volume behind per broker.
 */
export function nodePoolSpec(kafka: ClusterConfig["kafka"], storageClass: string, protectData: boolean): Record<string, unknown> {
    const heap = heapFor(kafka.broker.memory);
    return {
        replicas: kafka.brokers,
        // Dual-role KRaft nodes: each is a controller (metadata quorum) and a broker.
        roles: ["controller", "broker"],
        storage: {
            type: "jbod",
            volumes: [
                {
                    id: 0,
                    type: "persistent-claim",
                    size: `${kafka.storageGi}Gi`,
                    class: storageClass,
                    deleteClaim: !protectData,
                    kraftMetadata: "shared",
                },
            ],
        },
        resources: resources(withLimit(kafka.broker, LIMIT_RULES.kafkaBroker)),
        jvmOptions: { "-Xms": heap, "-Xmx": heap },
    };
}

export function topicSpec(partitions: number, brokers: number): Record<string, unknown> {
    const rep = replicationFor(brokers);
    return {
        partitions,
        replicas: rep.replicas,
        config: { "min.insync.replicas": rep.minInsyncReplicas, "retention.ms": 7 * 24 * 3600 * 1000 },
    };
}

/** Prometheus JMX exporter rules: the few broker metrics the dashboard and alerts use. */
export function jmxExporterConfig(): string {
    return stringify({
        lowercaseOutputName: true,
        rules: [
            {
                pattern: "kafka.server<type=BrokerTopicMetrics, name=(MessagesIn|BytesIn|BytesOut)PerSec, topic=(.+)><>Count",
                name: "kafka_server_brokertopicmetrics_$1_total",
                type: "COUNTER",
                labels: { topic: "$2" },
            },
            {
                pattern: "kafka.server<type=BrokerTopicMetrics, name=(MessagesIn|BytesIn|BytesOut)PerSec><>Count",
                name: "kafka_server_brokertopicmetrics_$1_total",
                type: "COUNTER",
            },
            {
                pattern:
                    "kafka.server<type=ReplicaManager, " +
                    "name=(UnderReplicatedPartitions|UnderMinIsrPartitionCount|PartitionCount|LeaderCount)><>Value",
                name: "kafka_server_replicamanager_$1",
                type: "GAUGE",
            },
            {
                pattern:
                    "kafka.controller<type=KafkaController, name=(ActiveControllerCount|OfflinePartitionsCount|GlobalTopicCount)><>Value",
                name: "kafka_controller_kafkacontroller_$1",
                type: "GAUGE",
            },
            {
                pattern: "kafka.log<type=Log, name=Size, topic=(.+), partition=(.+)><>Value",
                name: "kafka_log_log_size",
                type: "GAUGE",
                labels: { topic: "$1", partition: "$2" },
            },
        ],
    });
}

export function podMonitorSpec(kafka: ClusterConfig["kafka"]): Record<string, unknown> {
    return {
        selector: { matchLabels: { "strimzi.io/cluster": kafka.clusterName, "strimzi.io/kind": "Kafka" } },
        namespaceSelector: { matchNames: [kafka.namespace] },
        podMetricsEndpoints: [
            {
                port: METRICS_PORT_NAME,
                interval: "15s",
                relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod" }],
            },
        ],
    };
}

/** A small Grafana dashboard over the metrics `jmxExporterConfig` produces. */
export function kafkaDashboardModel(kafka: Pick<ClusterConfig["kafka"], "namespace" | "clusterName">): Dashboard {
    const sel = `namespace="${kafka.namespace}"`;
    const byTopic = (title: string, metric: string, unit: string): Panel => ({
        title,
        unit,
        targets: [{ expr: `sum by (topic) (rate(${metric}{${sel},topic!=""}[5m]))`, legend: "{{topic}}" }],
    });
    const total = (title: string, expr: string): Panel => ({ title, unit: "short", targets: [{ expr, legend: title }] });
    return {
        uid: `kafka-${kafka.clusterName}`,
        title: `Kafka (${kafka.clusterName})`,
        tags: ["kafka", "strimzi"],
        panels: [
            byTopic("Messages in / s by topic", "kafka_server_brokertopicmetrics_messagesin_total", "ops"),
            byTopic("Bytes in / s by topic", "kafka_server_brokertopicmetrics_bytesin_total", "Bps"),
            byTopic("Bytes out / s by topic", "kafka_server_brokertopicmetrics_bytesout_total", "Bps"),
            total("Under-replicated partitions", `sum(kafka_server_replicamanager_underreplicatedpartitions{${sel}})`),
            total("Partitions under min ISR", `sum(kafka_server_replicamanager_underminisrpartitioncount{${sel}})`),
            total("Active controllers", `sum(kafka_controller_kafkacontroller_activecontrollercount{${sel}})`),
            total("Offline partitions", `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${sel}})`),
            {
                title: "Log size by topic",
                unit: "bytes",
                targets: [{ expr: `sum by (topic) (kafka_log_log_size{${sel}})`, legend: "{{topic}}" }],
            },
        ],
    };
}

export function kafkaDashboard(kafka: Pick<ClusterConfig["kafka"], "namespace" | "clusterName">): Record<string, unknown> {
    return grafanaDashboard(kafkaDashboardModel(kafka));
}
