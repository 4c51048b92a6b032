/**
 * The infra and cluster stacks' outputs as the apps layer needs them: the twin of the cluster
 * layer's infraOutputs.ts. Every plain output is read and checked before any resource is declared,
 * so a missing or malformed output stops the run with one message naming the stack, the output
 * and what was expected (never a cast that fails later inside a resource); the kubeconfig stays
 * a secret Output. The checks are pure; `readLowerStacks` only adds the reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem, ConfigValidationError } from "../lib/config/reader";
import { APPS_READS_CLUSTER, APPS_READS_INFRA } from "../lib/contracts";
import type { BackupStoreOutput, ClusterOutputs, InfraOutputs } from "../lib/contracts";
import { isObject, isRequests, nodePoolsProblem, nodesProblem } from "../lib/outputShapes";
import type { AppsConfig } from "./config";

function safeUrl(url: string): URL | undefined {
    try {
        return new URL(url);
    } catch {
        return undefined;
    }
}

/** The cluster outputs the apps layer reads; a missing one means the cluster stack is not up yet. */
export const REQUIRED_CLUSTER_OUTPUTS = APPS_READS_CLUSTER.required;

/** Every cluster output the layer reads (the checks below see these and nothing else). */
export const CLUSTER_READS = [...APPS_READS_CLUSTER.required, ...APPS_READS_CLUSTER.optional];

/**
 * Rules that need the cluster stack's outputs. Each problem names the apps config key to change
 * (or the cluster output that is missing), so the error reads like any other config error.
 */
export function checkAgainstCluster(
    config: AppsConfig,
    cluster: Partial<Record<keyof ClusterOutputs, unknown>>,
    namespace: string,
    scope: string,
    /** The cluster StackReference's full name, for messages (default: project/stack). */
    clusterReference: string = `${config.stacks.project}/${config.stacks.clusterStack}`,
): void {
    const problems: ConfigProblem[] = [];
    for (const key of REQUIRED_CLUSTER_OUTPUTS) {
        if (cluster[key] === undefined || cluster[key] === null) {
            problems.push({
                key: `${clusterReference} output ${key}`,
                value: "(missing)",
                message:
                    "is required by the apps layer; deploy the cluster stack first (`pulumi up -s " + config.stacks.clusterStack + "`)",
            });
        }
    }
    // The cluster layer's Grafana ingress is another claimant of a host's "/".
    const grafana = typeof cluster.grafanaUrl === "string" ? safeUrl(cluster.grafanaUrl) : undefined;
    if (grafana && grafana.pathname === "/") {
        const apps: [string, string, string][] = [
            ["airflowHost", config.airflow.host, config.airflow.path],
            ["todoHost", config.todo.host, "/"],
        ];
        for (const [key, host, path] of apps) {
            if (host === grafana.hostname && path === "/") {
                problems.push({
                    key: `${namespace}:${key}`,
                    value: host,
                    message:
                        `is also the cluster layer's grafanaHost (Grafana is served at ${cluster.grafanaUrl}): two ingresses ` +
                        `on one host and path, only one is served; give the app its own host`,
                });
            }
        }
    }
    const partitions = cluster.kafkaPartitions;
    if (typeof partitions === "number" && config.stream.processorReplicas > partitions) {
        problems.push({
            key: `${namespace}:streamProcessorReplicas`,
            value: String(config.stream.processorReplicas),
            message:
                `must be at most the partition count of topic ` +
                `"${(cluster.kafkaTopics as ClusterOutputs["kafkaTopics"] | undefined)?.events ?? "events"}" (${partitions}): ` +
                "a consumer group gives each partition to one member, so extra processors would sit idle",
        });
    }
    if (problems.length > 0) throw new ConfigValidationError(scope, problems);
}

type InfraRead = (typeof APPS_READS_INFRA)["required" | "optional"][number];
type ClusterRead = (typeof APPS_READS_CLUSTER)["required" | "optional"][number];

/** The infra outputs the apps layer reads, checked (the kubeconfig stays a secret Output). */
export interface AppsInfraView {
    readonly kubeconfig: pulumi.Output<string>;
    readonly nodePools: InfraOutputs["nodePools"];
    readonly nodes: InfraOutputs["nodes"];
    readonly backupStore?: BackupStoreOutput;
    /** Checked where it is used (lib/kube/ingressAllowlist.ts), which also knows the config key. */
    readonly adminCidrs: unknown;
}

/** The cluster outputs the apps layer reads, checked. */
export type AppsClusterView = Pick<ClusterOutputs, (typeof REQUIRED_CLUSTER_OUTPUTS)[number] | "daemonSets" | "tlsIssuers">;

const isString = (v: unknown): v is string => typeof v === "string" && v !== "";

/** Checks the infra stack's plain outputs; throws one error naming every missing or malformed one. */
export function checkAppsInfraOutputs(
    stackRef: string,
    values: Partial<Record<Exclude<InfraRead, "kubeconfig">, unknown>>,
): Omit<AppsInfraView, "kubeconfig"> {
    const problems: string[] = [];
    const { nodePools, nodes, backupStore, adminCidrs } = values;
    for (const problem of [nodePoolsProblem(nodePools), nodesProblem(nodes)]) if (problem) problems.push(problem);
    if (backupStore !== undefined && backupStore !== null) {
        if (!isObject(backupStore) || !["endpoint", "bucket", "region", "accessKey", "secretKey"].every((k) => isString(backupStore[k]))) {
            problems.push("backupStore: expected {endpoint, bucket, region, accessKey, secretKey, encryptionPassphrase}");
        } else if (!isString(backupStore.encryptionPassphrase)) {
            problems.push("backupStore: has no encryptionPassphrase (dumps are encrypted before upload)");
        }
    }
    if (problems.length > 0) {
        throw new Error(
            `The infra stack "${stackRef}" does not provide what the apps layer needs:\n  - ${problems.join("\n  - ")}\n` +
                `Run \`pulumi up -s ${stackRef.split("/").pop()}\` first, ` +
                `or point stackOrganization/stackProject/infraStack at the right stack.`,
        );
    }
    return {
        nodePools: nodePools as InfraOutputs["nodePools"],
        nodes: nodes as InfraOutputs["nodes"],
        ...(backupStore ? { backupStore: backupStore as unknown as BackupStoreOutput } : {}),
        adminCidrs,
    };
}

/**
 * The cluster outputs beyond the required ones (checked by checkAgainstCluster, which names the
 * config keys): the optional `daemonSets` and `tlsIssuers` and the shapes of the required values
 * the layer builds on. Throws one error naming every malformed output.
 */
export function checkAppsClusterOutputs(stackRef: string, values: Partial<Record<ClusterRead, unknown>>): AppsClusterView {
    const problems: string[] = [];
    const {
        ingressClass,
        storageClasses,
        kafkaBootstrap,
        kafkaTopics,
        kafkaPartitions,
        monitoringNamespace,
        requests,
        daemonSets,
        tlsIssuers,
        grafanaUrl,
    } = values;
    if (!isString(ingressClass)) problems.push("ingressClass: expected a name");
    if (!isObject(storageClasses) || !isString(storageClasses.rwo) || !isString(storageClasses.rwx))
        problems.push("storageClasses: expected {rwo, rwx}");
    if (!isString(kafkaBootstrap)) problems.push("kafkaBootstrap: expected host:port");
    if (!isObject(kafkaTopics) || !isString(kafkaTopics.events) || !isString(kafkaTopics.results))
        problems.push("kafkaTopics: expected {events, results}");
    if (!Number.isInteger(kafkaPartitions) || (kafkaPartitions as number) < 1)
        problems.push("kafkaPartitions: expected a positive integer");
    if (!isString(monitoringNamespace)) problems.push("monitoringNamespace: expected a namespace");
    if (!isRequests(requests)) problems.push("requests: expected {cpuMilli, memoryMiB}");
    if (
        daemonSets !== undefined &&
        daemonSets !== null &&
        !(isObject(daemonSets) && isRequests(daemonSets.server) && isRequests(daemonSets.agent))
    ) {
        problems.push("daemonSets: expected {server, agent} requests");
    }
    if (
        tlsIssuers !== undefined &&
        tlsIssuers !== null &&
        !(
            isObject(tlsIssuers) &&
            isString(tlsIssuers.ca) &&
            isString(tlsIssuers.public) &&
            (tlsIssuers.caDomains === undefined || (Array.isArray(tlsIssuers.caDomains) && tlsIssuers.caDomains.every(isString)))
        )
    ) {
        problems.push("tlsIssuers: expected {ca, public, caDomains?}");
    }
    if (!isString(grafanaUrl) || !safeUrl(grafanaUrl)) problems.push("grafanaUrl: expected a URL");
    if (problems.length > 0) {
        throw new Error(
            `The cluster stack "${stackRef}" does not provide what the apps layer needs:\n  - ${problems.join("\n  - ")}\n` +
                `Run \`pulumi up -s ${stackRef.split("/").pop()}\` first, ` +
                `or point stackOrganization/stackProject/clusterStack at the right stack.`,
        );
    }
    return values as AppsClusterView;
}

/** A stack output's plain value (secret or not) as the engine knows it now. */
async function outputValue(ref: pulumi.StackReference, name: string): Promise<unknown> {
    const details = await ref.getOutputDetails(name);
    return details.value ?? details.secretValue;
}

/**
 * Reads and checks both lower stacks: the config rules against the cluster's outputs first (they
 * name the apps config key to change), then every output's shape.
 */
export async function readLowerStacks(
    config: AppsConfig,
    refs: { readonly infra: string; readonly cluster: string },
    namespace: string,
    scope: string,
): Promise<{ infra: AppsInfraView; cluster: AppsClusterView }> {
    const infraRef = new pulumi.StackReference(refs.infra);
    const clusterRef = new pulumi.StackReference(refs.cluster);
    const read = async <K extends string>(ref: pulumi.StackReference, keys: readonly K[]) =>
        Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await outputValue(ref, k)] as const))) as Partial<
            Record<K, unknown>
        >;
    const clusterValues = await read(clusterRef, CLUSTER_READS);
    checkAgainstCluster(config, clusterValues, namespace, scope, refs.cluster);
    const cluster = checkAppsClusterOutputs(refs.cluster, clusterValues);
    const infraKeys = [...APPS_READS_INFRA.required, ...APPS_READS_INFRA.optional].filter(
        (k): k is Exclude<InfraRead, "kubeconfig"> => k !== "kubeconfig",
    );
    const infra = checkAppsInfraOutputs(refs.infra, await read(infraRef, infraKeys));
    return { infra: { ...infra, kubeconfig: pulumi.secret(infraRef.requireOutput("kubeconfig") as pulumi.Output<string>) }, cluster };
}
