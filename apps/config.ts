/**
 * The apps layer's configuration: read, typed and validated in one place before any resource
 * exists. `parseAppsConfig` is pure (it only needs a lookup function) and reports every problem
 * at once; the rules that need the lower stacks' outputs are in lowerStacks.ts.
 */
import { ConfigLookup, ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";
import { crossEnvironmentReference } from "../lib/config/consistency";
import { ownImageReader, readImageRegistry, UNKNOWN_REPOSITORY } from "./images";
import type { Repository } from "./repository";
import { readDagsGitAuth } from "./airflow/gitCredentials";
import { airflowImageProblem } from "./airflow/imageVersion";
import { readAirflowTasks } from "./airflow/taskResources";
import { readDagsRevision } from "./airflow/dagsRevision";
import { RCLONE_IMAGE } from "./backup/cronJob";
import { AIRFLOW_CHART_VERSION, backupSchedule, knownAirflowChart, postgresImage, repoPath, volumeSize } from "./valueChecks";
import type { AirflowConfig, AppsConfig, StackRefs, StreamConfig, TodoConfig } from "./configTypes";

// The config's types live beside the parser; importers keep reading them from here.
export type { Resources } from "./resources";
export {
    stackReferenceNames,
    type AirflowConfig,
    type AppsConfig,
    type StackRefs,
    type StreamConfig,
    type TodoConfig,
} from "./configTypes";
export { AIRFLOW_CHART_VERSION, AIRFLOW_CHART_VERSIONS } from "./valueChecks";
export const AIRFLOW_IMAGE = "apache/airflow:3.2.2";
export const POSTGRES_IMAGE = "postgres:17.6";

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
        r.string(key, {
            default: `${environment}-${layer}`,
            pattern: /^[A-Za-z0-9_.-]+$/,
            allowed: 'a stack name like "dev-infra"',
            check: (v) => crossEnvironmentReference(v, layer, environment),
        });
    const stacks: StackRefs = {
        organization,
        project,
        infraStack: stackName("infraStack", "infra"),
        clusterStack: stackName("clusterStack", "cluster"),
    };

    const image = (key: string, fallback?: string) =>
        r.string(key, { default: fallback, allowed: 'an image "registry/name:tag" with a pinned tag', check: check.pinnedImage });
    const databaseImage = (key: string) =>
        r.string(key, { default: POSTGRES_IMAGE, allowed: 'a pinned PostgreSQL image "registry/postgres:tag"', check: postgresImage });
    const ownRegistry = readImageRegistry(r, context.repository);
    const ownImage = ownImageReader(r, context.repository, ownRegistry.path);
    const host = (key: string) => r.string(key, { allowed: 'a DNS name like "airflow.example.org"', check: check.dnsName });
    const storage = (key: string, fallback: string) => r.string(key, { default: fallback, check: volumeSize });

    const airflowPath = r.string("airflowPath", { default: "/", check: check.urlPath });
    const { task, taskQuota } = readAirflowTasks(r);

    const cidrs = (key: string) => (r.has(key) ? r.stringList(key, { check: check.ipv4Cidr, minItems: 1 }) : undefined);
    const secretRef = (key: string) =>
        r.optionalString(key, { pattern: K8S_NAME, allowed: 'the name of an existing Secret, like "airflow-git-credentials"' });
    const dagsRepoDefault = context.repository
        ? `https://github.com/${context.repository.owner}/${context.repository.name}.git`
        : undefined;
    if (!dagsRepoDefault && !r.has("airflowDagsRepo")) {
        r.problem(
            "airflowDagsRepo",
            undefined,
            `is unset and the repository is unknown: ${UNKNOWN_REPOSITORY}, or set it: ` +
                `pulumi config set airflowDagsRepo https://github.com/<owner>/<name>.git`,
        );
    }
    const dagsRepo = r.string("airflowDagsRepo", {
        default: dagsRepoDefault ?? "",
        pattern: GIT_URL,
        allowed: 'a git URL like "https://github.com/<owner>/data-platform.git" (or git@host:path, ssh://host/path)',
    });
    const gitAuth = readDagsGitAuth(r, dagsRepo);
    const dagsBranch = r.string("airflowDagsBranch", {
        default: "main",
        pattern: /^[A-Za-z0-9._\/-]+$/,
        allowed: "a branch name",
        check: branchProblem,
    });

    const airflow: AirflowConfig = {
        chartVersion: r.string("airflowChartVersion", { default: AIRFLOW_CHART_VERSION, check: knownAirflowChart }),
        chartRepo: r.string("airflowChartRepo", {
            default: "https://airflow.apache.org",
            pattern: /^https:\/\/\S+$/,
            allowed: "an https Helm repository URL",
        }),
        image: r.string("airflowImage", {
            default: AIRFLOW_IMAGE,
            allowed: 'an Airflow 3 image "registry/name:X.Y.Z" with a pinned tag',
            check: (v) => check.pinnedImage(v) ?? airflowImageProblem(v),
        }),
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
        dbImage: databaseImage("airflowDbImage"),
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
        dbImage: databaseImage("todoDbImage"),
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
        r.problem(
            "todoHost",
            todo.host,
            `is also airflowHost: each app needs its own host name (both are routed from "/"); ` +
                `e.g. todo.${airflow.host.split(".").slice(1).join(".") || "example.org"}`,
        );
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
    return bad
        ? `is not a branch name git accepts ("${bad[0]}": no "..", "//", leading "-", "/" or ".", component ` +
              `starting with ".", trailing "/" or ".", or ".lock"); e.g. "main" or "release/1.4"`
        : undefined;
}

/** `{ [key]: value }` when value is set, else nothing (keeps unset keys out of the config object). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
    return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
