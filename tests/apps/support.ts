/**
 * Apps-layer synth for tests. An apps stack reads `<env>-infra` and `<env>-cluster` outputs;
 * while the cluster layer has no stack file yet, its outputs come from `CLUSTER_FIXTURES`
 * (shaped exactly like `ClusterOutputs`, with request totals of the size the cluster issue
 * plans), so the apps layer is tested against the contract rather than waiting for it.
 */
import * as fs from "fs";
import * as path from "path";
import type { ClusterOutputs } from "../../lib/contracts";
import { SynthResult, synthesize } from "../../delivery/synth/synth";
import { PROJECT, synthProgram } from "../../delivery/synth/stacks";
import { FIXTURE_STACKS } from "../support/stacks";
import { synth } from "../support/synth";

export const CLUSTER_FIXTURES: Record<"dev" | "prod", ClusterOutputs> = {
    dev: {
        environment: "dev",
        ingressClass: "nginx",
        storageClasses: { rwo: "local-path", rwx: "nfs" },
        kafkaBootstrap: "kafka-kafka-bootstrap.kafka.svc:9092",
        kafkaTopics: { events: "events", results: "results" },
        kafkaPartitions: 3,
        monitoringNamespace: "monitoring",
        grafanaUrl: "http://grafana.dev.example.org/",
        requests: { cpuMilli: 2500, memoryMiB: 5632 },
    },
    prod: {
        environment: "prod",
        ingressClass: "nginx",
        storageClasses: { rwo: "cinder", rwx: "nfs" },
        kafkaBootstrap: "kafka-kafka-bootstrap.kafka.svc:9092",
        kafkaTopics: { events: "events", results: "results" },
        kafkaPartitions: 3,
        monitoringNamespace: "monitoring",
        grafanaUrl: "http://grafana.example.org/",
        requests: { cpuMilli: 6000, memoryMiB: 14336 },
    },
};

/** True once the cluster layer's stack file exists (then the real synth is used). */
export function hasClusterStack(env: string): boolean {
    return fs.existsSync(path.join(FIXTURE_STACKS, `Pulumi.${env}-cluster.yaml`));
}

const cache = new Map<string, SynthResult>();

/**
 * Synthesizes `<env>-apps`. `clusterOverrides` replaces cluster outputs (fixture mode only);
 * `infraOverrides` replaces infra outputs (e.g. a too-small node pool).
 */
export async function synthApps(
    env: "dev" | "prod",
    options: { overrides?: Record<string, string>; cluster?: Partial<ClusterOutputs>; infra?: Record<string, unknown> } = {},
): Promise<SynthResult> {
    const plain = !options.overrides && !options.cluster && !options.infra;
    if (hasClusterStack(env) && !options.cluster && !options.infra) return synth(`${env}-apps`, options.overrides);
    const key = `${env}-apps`;
    if (plain && cache.has(key)) return cache.get(key)!;
    const infra = await synth(`${env}-infra`);
    const cluster = hasClusterStack(env) ? (await synth(`${env}-cluster`)).outputs : CLUSTER_FIXTURES[env];
    const result = await synthesize({
        stack: key,
        stacksDir: FIXTURE_STACKS,
        project: PROJECT,
        references: {
            [`${env}-infra`]: { ...infra.outputs, ...(options.infra ?? {}) },
            [`${env}-cluster`]: { ...cluster, ...(options.cluster ?? {}) },
        },
        overrides: options.overrides,
        program: synthProgram,
    });
    if (plain) cache.set(key, result);
    return result;
}

/** The cluster outputs an apps synth of `env` sees (real synth or fixture). */
export async function clusterOutputsOf(env: "dev" | "prod"): Promise<ClusterOutputs> {
    return (hasClusterStack(env) ? (await synth(`${env}-cluster`)).outputs : CLUSTER_FIXTURES[env]) as unknown as ClusterOutputs;
}

/** Synth values with their secret wrappers removed, as the API server would receive them. */
export function reveal(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object") {
        if ("@secret" in value && Object.keys(value).length === 1) return reveal((value as { "@secret": unknown })["@secret"]);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}
