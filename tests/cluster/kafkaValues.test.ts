/** Strimzi Kafka specs from the pure builders: replication rule, topics, node pool, KRaft spec (no mocks). */
import * as assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import {
    brokerConfig,
    heapFor,
    jmxExporterConfig,
    kafkaDashboard,
    kafkaSpec,
    nodePoolSpec,
    replicationFor,
    topicSpec,
} from "../../cluster/values/kafka";
import { dev, get, prod } from "./valuesConfigs";

describe("cluster values: Kafka replication rule", () => {
    it("3+ brokers: RF 3, min.insync 2; 2 brokers: RF 2, min.insync 1; 1 broker: RF 1, min.insync 1", () => {
        assert.deepEqual(replicationFor(5), { replicas: 3, minInsyncReplicas: 2 });
        assert.deepEqual(replicationFor(3), { replicas: 3, minInsyncReplicas: 2 });
        assert.deepEqual(replicationFor(2), { replicas: 2, minInsyncReplicas: 1 });
        assert.deepEqual(replicationFor(1), { replicas: 1, minInsyncReplicas: 1 });
        assert.throws(() => replicationFor(0), /at least one broker/);
    });

    it("topics and broker defaults follow the rule per environment", () => {
        assert.deepEqual(topicSpec(3, 3), { partitions: 3, replicas: 3, config: { "min.insync.replicas": 2, "retention.ms": 604800000 } });
        assert.deepEqual(topicSpec(3, 1), { partitions: 3, replicas: 1, config: { "min.insync.replicas": 1, "retention.ms": 604800000 } });
        assert.equal(brokerConfig(3)["offsets.topic.replication.factor"], 3);
        assert.equal(brokerConfig(3)["transaction.state.log.min.isr"], 2);
        assert.equal(brokerConfig(1)["offsets.topic.replication.factor"], 1);
        assert.equal(brokerConfig(1)["auto.create.topics.enable"], false);
    });

    it("node pool: dual-role KRaft, claims kept on delete where data is protected and deleted where not, heap half the memory", () => {
        const pool = nodePoolSpec(prod.kafka, "cinder", true);
        assert.deepEqual(pool.roles, ["controller", "broker"]);
        assert.equal(pool.replicas, 3);
        assert.deepEqual(get(pool, "storage.volumes.0"), {
            id: 0,
            type: "persistent-claim",
            size: "20Gi",
            class: "cinder",
            deleteClaim: false,
            kraftMetadata: "shared",
        });
        assert.equal(get(nodePoolSpec(dev.kafka, "cinder", false), "storage.volumes.0.deleteClaim"), true);
        assert.equal(heapFor("2Gi"), "1024m");
        assert.equal(heapFor("256Mi"), "256m");
        assert.equal(get(nodePoolSpec(dev.kafka, "local-path", false), "jvmOptions.-Xmx"), "512m");
    });

    it("Kafka spec: KRaft listeners, version, JMX metrics from the ConfigMap", () => {
        const spec = kafkaSpec(prod.kafka, "platform-kafka-metrics");
        assert.equal(get(spec, "kafka.version"), "4.3.1");
        assert.deepEqual(get(spec, "kafka.listeners.0"), {
            name: "scram",
            port: 9092,
            type: "internal",
            tls: false,
            authentication: { type: "scram-sha-512" },
            networkPolicyPeers: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "stream" } } }],
        });
        assert.equal(get(spec, "kafka.metricsConfig.valueFrom.configMapKeyRef.name"), "platform-kafka-metrics");
        const rules = parseYaml(jmxExporterConfig()).rules as { name: string }[];
        assert.ok(rules.some((r) => r.name === "kafka_server_replicamanager_$1"));
        const dashboard = JSON.stringify(kafkaDashboard(prod.kafka));
        assert.match(dashboard, /kafka_server_brokertopicmetrics_messagesin_total/);
        assert.match(dashboard, /underreplicatedpartitions/);
    });
});
