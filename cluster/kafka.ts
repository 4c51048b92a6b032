/**
 * Kafka: the Strimzi operator and, after it, a KRaft cluster (`Kafka` + dual-role
 * `KafkaNodePool`), the topics the apps use, a PodMonitor and a Grafana dashboard.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./config";
import { helmRelease } from "./helm";
import { clusterNamespaces, namespaceMetadata } from "./namespaces";
import { DASHBOARD_LABEL } from "./values/monitoring";
import {
    bootstrapAddress,
    jmxExporterConfig,
    kafkaDashboard,
    kafkaSpec,
    METRICS_CONFIG_KEY,
    nodePoolSpec,
    podMonitorSpec,
    STRIMZI_API,
    strimziOperatorValues,
    TOPICS,
    topicSpec,
} from "./values/kafka";
import { componentType } from "../lib/componentType";

export interface KafkaArgs {
    readonly config: ClusterConfig;
    readonly storageClass: string;
    /** Storage classes must exist before the broker volumes are claimed. */
    readonly storageReady: pulumi.Resource[];
    /** The monitoring release (PodMonitor CRD) and its namespace (dashboard ConfigMap). */
    readonly monitoringRelease: pulumi.Resource;
    readonly monitoringNamespace: pulumi.Input<string>;
}

/** Kafka's readiness condition: `pulumi up` returns once the operator reports the cluster Ready. */
const WAIT_READY = { "pulumi.com/waitFor": "condition=Ready" };

export class Kafka extends pulumi.ComponentResource {
    readonly bootstrap: string;
    readonly topics = TOPICS;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "Kafka"), name, {}, opts);
        const k = args.config.kafka;
        // Losing these loses topics and offsets: destroying them takes `pulumi state unprotect`.
        const protect = args.config.protectData;
        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: namespaceMetadata(clusterNamespaces(args.config), "kafka") },
            { parent: this },
        );

        const operator = helmRelease(
            `${name}-strimzi`,
            "strimzi-kafka-operator",
            {
                chart: "strimzi-kafka-operator",
                pin: args.config.charts["strimzi-kafka-operator"],
                namespace: ns.metadata.name,
                values: strimziOperatorValues(args.config.images.strimziOperator),
            },
            { parent: this },
        );

        const metrics = new k8s.core.v1.ConfigMap(
            `${name}-metrics`,
            {
                metadata: { name: `${k.clusterName}-kafka-metrics`, namespace: ns.metadata.name },
                data: { [METRICS_CONFIG_KEY]: jmxExporterConfig() },
            },
            { parent: this },
        );

        const labels = { "strimzi.io/cluster": k.clusterName };
        const pool = new k8s.apiextensions.CustomResource(
            `${name}-pool`,
            {
                apiVersion: STRIMZI_API,
                kind: "KafkaNodePool",
                metadata: { name: "dual-role", namespace: ns.metadata.name, labels },
                spec: nodePoolSpec(k, args.storageClass, protect),
            },
            { parent: this, dependsOn: [operator, ...args.storageReady], protect },
        );

        const cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: STRIMZI_API,
                kind: "Kafka",
                metadata: { name: k.clusterName, namespace: ns.metadata.name, annotations: WAIT_READY },
                spec: kafkaSpec(k, `${k.clusterName}-kafka-metrics`),
            },
            {
                parent: this,
                dependsOn: [operator, pool, metrics, ...args.storageReady],
                protect,
                customTimeouts: { create: "20m", update: "20m" },
            },
        );

        for (const topic of Object.values(TOPICS)) {
            new k8s.apiextensions.CustomResource(
                `${name}-topic-${topic}`,
                {
                    apiVersion: STRIMZI_API,
                    kind: "KafkaTopic",
                    metadata: { name: topic, namespace: ns.metadata.name, labels, annotations: WAIT_READY },
                    spec: topicSpec(k.partitions, k.brokers),
                },
                { parent: this, dependsOn: [operator, cluster], protect, customTimeouts: { create: "10m", update: "10m" } },
            );
        }

        new k8s.apiextensions.CustomResource(
            `${name}-podmonitor`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: `${k.clusterName}-kafka`, namespace: ns.metadata.name },
                spec: podMonitorSpec(k),
            },
            { parent: this, dependsOn: [args.monitoringRelease] },
        );

        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: { name: `kafka-${k.clusterName}-dashboard`, namespace: args.monitoringNamespace, labels: { ...DASHBOARD_LABEL } },
                data: { [`kafka-${k.clusterName}.json`]: JSON.stringify(kafkaDashboard(k)) },
            },
            { parent: this, dependsOn: [args.monitoringRelease] },
        );

        this.bootstrap = bootstrapAddress(k);
        this.registerOutputs({ bootstrap: this.bootstrap });
    }
}
