/**
 * The apps layer's configuration: read, typed and validated in one place before any resource
 * exists. `parseAppsConfig` is pure (it only needs a lookup function) and reports every problem
 * at once; the rules that need the lower stacks' outputs are in lowerStacks.ts.
 */
import { ConfigLookup, ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";
import { crossEnvironmentReference } from "../lib/config/consistency";
import { cpuMilli, memoryMiB, positiveQuantity, Quantity } from "../lib/quantity";
import { ownImageReader, readImageRegistry, RegistryCredential, UNKNOWN_REPOSITORY } from "./images";
import type { Repository } from "./repository";
import { DagsGitCredential, readDagsGitAuth } from "./airflow/gitCredentials";
import { airflowImageProblem } from "./airflow/imageVersion";
import { AIRFLOW_CHART_VERSION, backupSchedule, knownAirflowChart, repoPath, volumeSize } from "./valueChecks";

export type { Resources } from "./resources";
import { largestComponentLimit, type Resources } from "./resources";


/**
 * Where the lower stacks live, as config states it. The fully qualified reference names
 * (`<organization>/<project>/<stack>`) come from `stackReferenceNames`, because the default
 * organization is the running stack's (`pulumi.getOrganization()`), which only the program knows.
 */
export interface StackRefs {
    /** `stackOrganization`; undefined when unset (then the current stack's organization applies). */
    readonly organization: string | undefined;
    readonly project: string;
    /** Stack names, e.g. `dev-infra`, `dev-cluster`. */
    readonly infraStack: string;
    readonly clusterStack: string;
}

/** Fully qualified StackReference names; `currentOrganization` fills an unset `stackOrganization`. */
export function stackReferenceNames(refs: StackRefs, currentOrganization: string): { infra: string; cluster: string } {
    const organization = refs.organization ?? currentOrganization;
    return {
        infra: `${organization}/${refs.project}/${refs.infraStack}`,
        cluster: `${organization}/${refs.project}/${refs.clusterStack}`,
    };
}

export interface AirflowConfig {
    readonly chartVersion: string;
    readonly chartRepo: string;
    /** `repository:tag` of the Airflow image (tasks run in the same image). */
    readonly image: string;
    readonly host: string;
    readonly path: string;
    readonly schedulerReplicas: number;
    readonly apiServerReplicas: number;
    readonly dagsRepo: string;
    readonly dagsBranch: string;
    /** The branch head (not in prod) or a pinned release tag/commit (apps/airflow/dagsRevision.ts). */
    readonly dagsRevision: DagsRevision;
    readonly dagsPath: string;
    /**
     * Private DAG repository (apps/airflow/gitCredentials.ts): the Secret git-sync reads, created
     * by this layer from `secure:` config (`dagsGit`) or existing. Unset: the repository is public.
     */
    readonly dagsCredentialsSecret?: string;
    readonly dagsSshKeySecret?: string;
    readonly dagsKnownHosts?: string;
    readonly dagsGit?: DagsGitCredential;
    /** Existing TLS Secret (in the Airflow namespace) for the UI ingress; unset: plain HTTP. */
    readonly tlsSecretName?: string;
    /** Addresses the UI's Ingress admits; unset: the infra layer's `adminCidrs` (an admin UI). */
    readonly allowedCidrs?: readonly string[];
    readonly logsSize: string;
    readonly dbImage: string;
    readonly dbSize: string;
    readonly backupSchedule: string;
    readonly backupRetentionDays: number;
    readonly backupSize: string;
    /** Default requests/limits of one task pod (a DAG may ask for more via executor_config). */
    readonly task: Resources;
    /** Ceiling for all task pods together (ResourceQuota). */
    readonly taskQuota: { readonly cpu: string; readonly memory: string; readonly pods: number };
}

export interface TodoConfig {
    readonly host: string;
    readonly backendImage: string;
    readonly frontendImage: string;
    readonly dbImage: string;
    readonly backendReplicas: number;
    readonly frontendReplicas: number;
    readonly dbSize: string;
    readonly backupSchedule: string;
    readonly backupRetentionDays: number;
    /** Backup PVC size, used only when the environment has no off-site backup store. */
    readonly backupSize: string;
    /** Existing TLS Secret (in the `microservices` namespace) for the ingress; unset: plain HTTP. */
    readonly tlsSecretName?: string;
    /** Addresses the public app's Ingress admits; unset: every address. */
    readonly allowedCidrs?: readonly string[];
}

export interface StreamConfig {
    readonly producerImage: string;
    readonly processorImage: string;
    readonly processorReplicas: number;
    /** Producer messages per second over all sensors. */
    readonly rate: number;
    /** Values per sensor in one processor window. */
    readonly windowSize: number;
}

export interface AppsConfig {
    readonly environment: string;
    readonly stacks: StackRefs;
    /** Stateful resources (PVCs, databases) are protected and retained on delete. */
    readonly protectStateful: boolean;
    /** Fraction of allocatable CPU and memory that must stay free in the whole environment. */
    readonly minHeadroom: number;
    readonly airflow: AirflowConfig;
    readonly todo: TodoConfig;
    readonly stream: StreamConfig;
    /** rclone image of the off-site dump Jobs (pinned). */
    readonly backupImage: string;
    /** Pull credential of the own images' registry (secret password), when it needs one. */
    readonly pullCredential?: RegistryCredential;
}

export { AIRFLOW_CHART_VERSION, AIRFLOW_CHART_VERSIONS } from "./valueChecks";
export const AIRFLOW_IMAGE = "apache/airflow:3.2.2";
export const POSTGRES_IMAGE = "postgres:17.6";

import { RCLONE_IMAGE } from "./backup/cronJob";
import { type DagsRevision, readDagsRevision } from "./airflow/dagsRevision";

/** A Kubernetes object name (DNS subdomain), for references to existing Secrets. */
const K8S_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GIT_URL = /^(https:\/\/[^\s@<>]+|git@[^\s:<>]+:[^\s<>]+|ssh:\/\/[^\s<>]+)$/;

/** Where the deployment comes from (apps/repository.ts); names the own images' registry and the DAG repository. */
export interface AppsContext {
    readonly repository?: Repository;
}

export function parseAppsConfig(lookup: ConfigLookup, namespace: string, scope: string, context: AppsContext = {}): AppsConfig {
    const r = new ConfigReader(namespace, lookup, scope);
    r.usesProviders(["random"]);

    const environment = r.environment("apps");
    // No literal default: "organization" only names the org on DIY backends; on Pulumi Cloud the
    // lower stacks live in the current stack's organization, which apps/index.ts fills in.
    const organization = r.optionalString("stackOrganization", { pattern: /^[A-Za-z0-9_.-]+$/, allowed: "a Pulumi organization name" });
    const project = r.string("stackProject", { default: namespace, pattern: /^[A-Za-z0-9_.-]+$/, allowed: "a Pulumi project name" });
    const stackName = (key: string, layer: string) =>
        r.string(key, { default: `${environment}-${layer}`, pattern: /^[A-Za-z0-9_.-]+$/, allowed: "a stack name like \"dev-infra\"", check: (v) => crossEnvironmentReference(v, layer, environment) });
    const stacks: StackRefs = {
        organization,
        project,
        infraStack: stackName("infraStack", "infra"),
        clusterStack: stackName("clusterStack", "cluster"),
    };

    const image = (key: string, fallback?: string) =>
        r.string(key, { default: fallback, allowed: 'an image "registry/name:tag" with a pinned tag', check: check.pinnedImage });
    const ownRegistry = readImageRegistry(r, context.repository);
    const ownImage = ownImageReader(r, context.repository, ownRegistry.path);
    const host = (key: string) => r.string(key, { allowed: 'a DNS name like "airflow.example.org"', check: check.dnsName });
    const cpu = (key: string, fallback: string) => r.string(key, { default: fallback, check: positiveQuantity('a CPU quantity like "250m" or "1"') });
    const memory = (key: string, fallback: string) => r.string(key, { default: fallback, check: positiveQuantity('a memory quantity like "512Mi" or "2Gi"') });
    const storage = (key: string, fallback: string) =>
        r.string(key, { default: fallback, check: volumeSize });

    const airflowPath = r.string("airflowPath", { default: "/", check: check.urlPath });
    const task: Resources = {
        cpu: cpu("airflowTaskCpu", "250m"),
        memory: memory("airflowTaskMemory", "512Mi"),
        cpuLimit: cpu("airflowTaskCpuLimit", "1"),
        memoryLimit: memory("airflowTaskMemoryLimit", "1Gi"),
    };
    const taskQuota = {
        cpu: cpu("airflowTaskQuotaCpu", "2"),
        memory: memory("airflowTaskQuotaMemory", "4Gi"),
        pods: r.integer("airflowTaskQuotaPods", { default: 8, min: 1, max: 200 }),
    };
    // A default task pod must fit the quota, or no task could ever start.
    if (safe(() => cpuMilli(task.cpu) > cpuMilli(taskQuota.cpu)) || safe(() => memoryMiB(task.memory) > memoryMiB(taskQuota.memory))) {
        r.problem("airflowTaskQuotaCpu", `${taskQuota.cpu}/${taskQuota.memory}`, `must be at least one task pod's requests (${task.cpu}/${task.memory})`);
    }
    // The namespace's LimitRange caps every container at twice the task quota (see
    // airflow/airflow.ts); the Airflow components share the namespace and must stay under it.
    const largest = largestComponentLimit();
    if (safe(() => 2 * cpuMilli(taskQuota.cpu) < largest.cpuMilli) || safe(() => 2 * memoryMiB(taskQuota.memory) < largest.memoryMiB)) {
        r.problem("airflowTaskQuotaCpu", `${taskQuota.cpu}/${taskQuota.memory}`,
            `must be at least half the largest Airflow component limit (${largest.cpuMilli / 2}m/${largest.memoryMiB / 2}Mi), which the namespace LimitRange derives from it`);
    }
    if (safe(() => cpuMilli(task.cpu) > cpuMilli(task.cpuLimit ?? task.cpu)) || safe(() => memoryMiB(task.memory) > memoryMiB(task.memoryLimit ?? task.memory))) {
        r.problem("airflowTaskCpuLimit", `${task.cpuLimit}/${task.memoryLimit}`, `limits must be at least the requests (${task.cpu}/${task.memory})`);
    }
    // The derived LimitRange (airflow.ts) gives containers the task limits by default and caps
    // them at twice the quota: a default above the cap would be rejected by the API server.
    const cap = (q: string) => Quantity.parse(q).times(2);
    if (safe(() => Quantity.parse(task.cpuLimit ?? task.cpu).compare(cap(taskQuota.cpu)) > 0)) {
        r.problem("airflowTaskCpuLimit", task.cpuLimit, `must be at most the LimitRange max, twice airflowTaskQuotaCpu (${cap(taskQuota.cpu).formatCpu()})`);
    }
    if (safe(() => Quantity.parse(task.memoryLimit ?? task.memory).compare(cap(taskQuota.memory)) > 0)) {
        r.problem("airflowTaskMemoryLimit", task.memoryLimit, `must be at most the LimitRange max, twice airflowTaskQuotaMemory (${cap(taskQuota.memory).formatBytes()})`);
    }

    const cidrs = (key: string) => (r.has(key) ? r.stringList(key, { check: check.ipv4Cidr, minItems: 1 }) : undefined);
    const secretRef = (key: string) => r.optionalString(key, { pattern: K8S_NAME, allowed: 'the name of an existing Secret, like "airflow-git-credentials"' });
    const dagsRepoDefault = context.repository ? `https://github.com/${context.repository.owner}/${context.repository.name}.git` : undefined;
    if (!dagsRepoDefault && !r.has("airflowDagsRepo")) {
        r.problem("airflowDagsRepo", undefined, `is unset and the repository is unknown: ${UNKNOWN_REPOSITORY}, or set it: pulumi config set airflowDagsRepo https://github.com/<owner>/<name>.git`);
    }
    const dagsRepo = r.string("airflowDagsRepo", { default: dagsRepoDefault ?? "", pattern: GIT_URL, allowed: 'a git URL like "https://github.com/<owner>/data-platform.git" (or git@host:path, ssh://host/path)' });
    const gitAuth = readDagsGitAuth(r, dagsRepo);
    const dagsBranch = r.string("airflowDagsBranch", { default: "main", pattern: /^[A-Za-z0-9._\/-]+$/, allowed: "a branch name", check: branchProblem });

    const airflow: AirflowConfig = {
        chartVersion: r.string("airflowChartVersion", { default: AIRFLOW_CHART_VERSION, check: knownAirflowChart }),
        chartRepo: r.string("airflowChartRepo", { default: "https://airflow.apache.org", pattern: /^https:\/\/\S+$/, allowed: "an https Helm repository URL" }),
        image: r.string("airflowImage", { default: AIRFLOW_IMAGE, allowed: 'an Airflow 3 image "registry/name:X.Y.Z" with a pinned tag', check: (v) => check.pinnedImage(v) ?? airflowImageProblem(v) }),
        host: host("airflowHost"),
        path: airflowPath,
        schedulerReplicas: r.integer("airflowSchedulerReplicas", { default: 1, min: 1, max: 4 }),
        apiServerReplicas: r.integer("airflowApiServerReplicas", { default: 1, min: 1, max: 4 }),
        dagsRepo,
        dagsBranch,
        dagsRevision: readDagsRevision(r, environment, dagsBranch),
        dagsPath: r.string("airflowDagsPath", { default: "apps/airflow/dags", check: repoPath }),
        ...gitAuth,
        logsSize: storage("airflowLogsSize", "10Gi"),
        dbImage: image("airflowDbImage", POSTGRES_IMAGE),
        dbSize: storage("airflowDbSize", "10Gi"),
        backupSchedule: r.string("airflowBackupSchedule", { default: "15 2 * * *", check: backupSchedule }),
        backupRetentionDays: r.integer("airflowBackupRetentionDays", { default: 7, min: 1, max: 365 }),
        backupSize: storage("airflowBackupSize", "10Gi"),
        task,
        taskQuota,
        ...optional("tlsSecretName", secretRef("airflowTlsSecretName")),
        ...optional("allowedCidrs", cidrs("airflowAllowedCidrs")),
    };

    const todo: TodoConfig = {
        host: host("todoHost"),
        backendImage: ownImage("todoBackendImage"),
        frontendImage: ownImage("todoFrontendImage"),
        dbImage: image("todoDbImage", POSTGRES_IMAGE),
        backendReplicas: r.integer("todoBackendReplicas", { default: 2, min: 1, max: 10 }),
        frontendReplicas: r.integer("todoFrontendReplicas", { default: 2, min: 1, max: 10 }),
        dbSize: storage("todoDbSize", "5Gi"),
        backupSchedule: r.string("todoBackupSchedule", { default: "45 2 * * *", check: backupSchedule }),
        backupRetentionDays: r.integer("todoBackupRetentionDays", { default: 7, min: 1, max: 365 }),
        backupSize: storage("todoBackupSize", "5Gi"),
        ...optional("tlsSecretName", secretRef("todoTlsSecretName")),
        ...optional("allowedCidrs", cidrs("todoAllowedCidrs")),
    };

    const stream: StreamConfig = {
        producerImage: ownImage("streamProducerImage"),
        processorImage: ownImage("streamProcessorImage"),
        processorReplicas: r.integer("streamProcessorReplicas", { default: 1, min: 1, max: 64 }),
        rate: r.integer("streamRate", { default: 10, min: 1, max: 100000 }),
        windowSize: r.integer("streamWindowSize", { default: 20, min: 1, max: 100000 }),
    };

    const headroomPercent = r.integer("minHeadroomPercent", { default: 20, min: 0, max: 90 });

    // Two ingresses on one host and path: the ingress controller serves only one of them.
    if (airflow.host === todo.host && airflow.host !== "" && airflow.path === "/") {
        r.problem("todoHost", todo.host, `is also airflowHost: each app needs its own host name (both are routed from "/"); e.g. todo.${airflow.host.split(".").slice(1).join(".") || "example.org"}`);
    }

    const config: AppsConfig = {
        environment,
        stacks,
        protectStateful: r.boolean("protectStateful", { default: true }),
        minHeadroom: headroomPercent / 100,
        airflow,
        todo,
        stream,
        backupImage: image("backupImage", RCLONE_IMAGE),
        ...(ownRegistry.credential ? { pullCredential: ownRegistry.credential } : {}),
    };
    r.finish();
    return config;
}

/** git's rules for a branch name (git check-ref-format) beyond its characters: git-sync could never fetch another. */
function branchProblem(branch: string): string | undefined {
    const bad = /\.\.|\/\/|^[-/.]|\/\.|[/.]$|\.lock(\/|$)/.exec(branch);
    return bad ? `is not a branch name git accepts ("${bad[0]}": no "..", "//", leading "-", "/" or ".", component starting with ".", trailing "/" or ".", or ".lock"); e.g. "main" or "release/1.4"` : undefined;
}

/** `{ [key]: value }` when value is set, else nothing (keeps unset keys out of the config object). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
    return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function safe(fn: () => boolean): boolean {
    try {
        return fn();
    } catch {
        return false;
    }
}
