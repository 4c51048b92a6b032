/**
 * Which resources hold state that a delete or a replacement would lose: the table the rollback
 * planner consults. A rule matches by resource type (Kubernetes types match any API version of
 * the same group and kind); Helm releases match by chart name. `guardedInputs` are input paths
 * whose in-place update is also unsafe (shrinking or re-typing storage).
 */
import type { SynthResource } from "../synth/synth";

export type StatefulCategory = "volume" | "database" | "kafka-storage" | "workload-storage" | "cluster-identity" | "address";

export interface StatefulRule {
    readonly category: StatefulCategory;
    /** A resource type, or `kubernetes:<group>/*:<Kind>` for any API version. */
    readonly type: string;
    /** For Helm releases: chart names that install a data store. */
    readonly chart?: RegExp;
    /** Inputs whose in-place change is also refused (storage specs). */
    readonly guardedInputs?: string[];
    /** Further condition on the inputs (e.g. a chart's bundled database is enabled). */
    readonly when?: (inputs: Record<string, unknown>) => boolean;
    /** What is lost, for the refusal message. */
    readonly loses: string;
}

/** Chart names (regex alternatives) of data stores; matched whole or after a `-` or `/` of the chart reference. */
const DATA_STORES = [
    "postgres(ql)?(-ha)?",
    "cloudnative-pg",
    "cnpg",
    "mysql",
    "mariadb",
    "mongodb",
    "redis",
    "valkey",
    "cassandra",
    "elasticsearch",
    "opensearch",
    "clickhouse",
    "influxdb",
    "minio",
    "kafka",
    "strimzi-kafka",
    "zookeeper",
    "etcd",
    "timescaledb",
    "questdb",
];
/** Helm charts that run a data store (the release owns its PVCs and data). */
const DATA_CHARTS = new RegExp(`(^|[-/])(${DATA_STORES.join("|")})$`, "i");

/**
 * The Apache Airflow chart bundles a PostgreSQL for its metadata database unless
 * `postgresql.enabled: false`. This project disables it and runs the metadata database as its
 * own StatefulSet and PVC (classified above), so its Airflow release holds no data itself; its
 * version going back is a schema rollback, checked in rollback.ts.
 */
function bundlesPostgres(inputs: Record<string, unknown>): boolean {
    const values = inputs.values as { postgresql?: { enabled?: unknown } } | undefined;
    return values?.postgresql?.enabled !== false;
}

export const STATEFUL_RULES: readonly StatefulRule[] = [
    { category: "volume", type: "openstack:blockstorage/volume:Volume", loses: "the block volume and its data" },
    { category: "volume", type: "openstack:objectstorage/container:Container", loses: "the object-storage container and its objects" },
    {
        category: "volume",
        type: "kubernetes:core/*:PersistentVolumeClaim",
        guardedInputs: ["spec.storageClassName", "spec.accessModes"],
        loses: "the claim, and with the usual Delete reclaim policy its volume",
    },
    { category: "volume", type: "kubernetes:core/*:PersistentVolume", loses: "the persistent volume" },
    {
        category: "workload-storage",
        type: "kubernetes:apps/*:StatefulSet",
        guardedInputs: ["spec.volumeClaimTemplates"],
        loses: "the StatefulSet's pods and its claim templates (re-creating it re-binds or orphans its PVCs)",
    },
    { category: "database", type: "openstack:database/instance:Instance", loses: "the managed database instance" },
    { category: "database", type: "openstack:database/database:Database", loses: "the database" },
    {
        category: "database",
        type: "kubernetes:postgresql.cnpg.io/*:Cluster",
        guardedInputs: ["spec.storage"],
        loses: "the PostgreSQL cluster and its data",
    },
    {
        category: "database",
        type: "kubernetes:acid.zalan.do/*:postgresql",
        guardedInputs: ["spec.volume"],
        loses: "the PostgreSQL cluster and its data",
    },
    {
        category: "database",
        type: "kubernetes:helm.sh/v3:Release",
        chart: DATA_CHARTS,
        loses: "the data store the chart runs (its PVCs go with the release)",
    },
    {
        category: "database",
        type: "kubernetes:helm.sh/v3:Release",
        chart: /^airflow$/,
        when: bundlesPostgres,
        loses: "the Airflow metadata database in the chart's bundled PostgreSQL (postgresql.enabled is not false)",
    },
    {
        category: "kafka-storage",
        type: "kubernetes:kafka.strimzi.io/*:Kafka",
        guardedInputs: ["spec.kafka.storage", "spec.zookeeper.storage"],
        loses: "the Kafka cluster's topics and offsets",
    },
    {
        category: "kafka-storage",
        type: "kubernetes:kafka.strimzi.io/*:KafkaNodePool",
        guardedInputs: ["spec.storage"],
        loses: "the node pool's broker volumes (topic data)",
    },
    { category: "kafka-storage", type: "kubernetes:kafka.strimzi.io/*:KafkaTopic", loses: "the topic and its messages" },
    {
        category: "cluster-identity",
        type: "random:index/randomPassword:RandomPassword",
        loses: "a generated secret (k3s join tokens, passwords): running nodes and clients keep the old one",
    },
    {
        category: "cluster-identity",
        type: "tls:index/privateKey:PrivateKey",
        loses: "a private key (cluster CAs, admin identity): every certificate signed with it stops being trusted",
    },
    {
        category: "address",
        type: "openstack:networking/floatingIp:FloatingIp",
        loses: "the public address (DNS records and kubeconfigs point at it)",
    },
];

function typeMatches(pattern: string, type: string): boolean {
    if (!pattern.includes("*")) return pattern === type;
    const [prefix, kind] = pattern.split("*");
    if (!type.startsWith(prefix) || !type.endsWith(kind)) return false;
    const version = type.slice(prefix.length, type.length - kind.length);
    return /^[A-Za-z0-9]+$/.test(version);
}

/** The chart a Helm release installs (`chart` input, without a repo prefix). */
export function chartName(resource: Pick<SynthResource, "inputs">): string | undefined {
    const chart = resource.inputs.chart;
    return typeof chart === "string" ? chart.split("/").pop() : undefined;
}

/** The stateful rule a resource falls under, if any. */
export function classify(resource: Pick<SynthResource, "type" | "inputs">): StatefulRule | undefined {
    return STATEFUL_RULES.find((rule) => {
        if (!typeMatches(rule.type, resource.type)) return false;
        if (rule.when && !rule.when(resource.inputs)) return false;
        if (!rule.chart) return true;
        const chart = chartName(resource);
        return chart !== undefined && rule.chart.test(chart);
    });
}
