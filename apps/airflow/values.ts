/**
 * Helm values for the official Apache Airflow chart, built by a pure function so they can be
 * unit-tested and validated against the chart's own `values.schema.json` without a cluster.
 *
 * Nothing secret goes into these values: the fernet key, API secret, JWT secret, admin password
 * and database connection live in Secrets this project creates, referenced here by name only.
 */
import { airflowImageProblem, splitAirflowImage } from "./imageVersion";
import type { AirflowConfig, Resources } from "../config";
import { pgbouncerTlsValues } from "./pgbouncer";
import { AIRFLOW_RESOURCES, k8sResources } from "../resources";
import type { RequestItem } from "../../lib/fit";
import { gitSyncRevisionValues } from "./dagsRevision";
import { gitSyncSidecar } from "./gitSyncSidecar";

/** Names of the Secrets (created by the Airflow component) the chart reads. */
export interface AirflowSecretNames {
    /** key `fernet-key` */
    readonly fernetKey: string;
    /** key `api-secret-key` */
    readonly apiSecretKey: string;
    /** key `jwt-secret` */
    readonly jwtSecret: string;
    /** key `connection`: SQLAlchemy URL of the metadata DB, through PgBouncer. */
    readonly metadata: string;
    /** keys `pgbouncer.ini`, `users.txt`. */
    readonly pgbouncerConfig: string;
    /** key `connection`: PgBouncer admin-console URL for the metrics exporter. */
    readonly pgbouncerStats: string;
    /** key `password`: the UI admin user's password. */
    readonly adminPassword: string;
}

export interface AirflowValuesArgs {
    readonly config: AirflowConfig;
    readonly releaseName: string;
    readonly ingressClass: string;
    readonly secrets: AirflowSecretNames;
    /** Existing RWX claim for task and component logs. */
    readonly logsClaim: string;
    /** Existing RWX claim git-sync writes the DAGs into (the dag-processor only). */
    readonly dagsClaim: string;
    /** PriorityClass for task pods; the task ResourceQuota is scoped to it. */
    readonly taskPriorityClass: string;
    /** Extra ingress annotations (cert-manager's issuer). */
    readonly ingressAnnotations?: Record<string, string>;
    /** Pull Secret for the Airflow image (when it comes from the own images' private registry). */
    readonly imagePullSecret?: string;
    /** PgBouncer pod annotations (its ini's checksum) and its certificate Secret with TLS. */
    readonly pgbouncer?: { readonly podAnnotations: Record<string, string>; readonly tlsSecret?: string };
}

/** The auth manager `airflow users create` belongs to (apache-airflow-providers-fab). */
export const FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager";

/** `apache/airflow:3.2.2` → repository, tag and Airflow version (the reader refused any other tag). */
export function splitImage(image: string): { repository: string; tag: string; version: string } {
    const problem = airflowImageProblem(image);
    if (problem) throw new Error(`Airflow image ${image} ${problem}`);
    const { repository, tag, version } = splitAirflowImage(image);
    return { repository, tag, version: version! };
}

/** Public URL of the UI/API, used by Airflow to build links and by the docs. https once TLS is configured. */
export function airflowBaseUrl(config: Pick<AirflowConfig, "host" | "path" | "tlsSecretName">): string {
    const scheme = config.tlsSecretName ? "https" : "http";
    return `${scheme}://${config.host}${config.path === "/" ? "" : config.path.replace(/\/$/, "")}`;
}

/** git-sync values for a private DAG repository (chart 1.22.0 `dags.gitSync.*`). */
export function gitSyncAuth(
    config: Pick<AirflowConfig, "dagsCredentialsSecret" | "dagsSshKeySecret" | "dagsKnownHosts">,
): Record<string, string> {
    if (config.dagsSshKeySecret) {
        return { sshKeySecret: config.dagsSshKeySecret, ...(config.dagsKnownHosts ? { knownHosts: config.dagsKnownHosts } : {}) };
    }
    if (config.dagsCredentialsSecret) return { credentialsSecret: config.dagsCredentialsSecret };
    return {};
}

export function airflowValues(args: AirflowValuesArgs): Record<string, unknown> {
    const { config, secrets } = args;
    const image = splitImage(config.image);
    const R = AIRFLOW_RESOURCES;
    const waitForMigrations = { enabled: true };

    // Two schedulers on one node would fail together: with more than one, each must run on a
    // different node (required, not preferred, so a node loss never takes both).
    const schedulerAffinity =
        config.schedulerReplicas > 1
            ? {
                  podAntiAffinity: {
                      requiredDuringSchedulingIgnoredDuringExecution: [
                          {
                              labelSelector: { matchLabels: { component: "scheduler", release: args.releaseName } },
                              topologyKey: "kubernetes.io/hostname",
                          },
                      ],
                  },
              }
            : {};

    return {
        useStandardNaming: false,
        defaultAirflowRepository: image.repository,
        defaultAirflowTag: image.tag,
        airflowVersion: image.version,
        executor: "KubernetesExecutor",
        ...(args.imagePullSecret ? { imagePullSecrets: [{ name: args.imagePullSecret }] } : {}),
        // The chart's bundled Bitnami PostgreSQL is deprecated; the metadata DB is our own.
        postgresql: { enabled: false },
        data: { metadataSecretName: secrets.metadata },
        fernetKeySecretName: secrets.fernetKey,
        apiSecretKeySecretName: secrets.apiSecretKey,
        jwtSecretName: secrets.jwtSecret,
        config: {
            core: {
                load_examples: "False",
                // Airflow 3 defaults to the SimpleAuthManager, which has no user database; the
                // create-user job below (`airflow users create`) and the admin login need the
                // FAB auth manager (its provider ships in the official image).
                auth_manager: FAB_AUTH_MANAGER,
            },
            api: { base_url: airflowBaseUrl(config) },
            kubernetes_executor: {
                // Completed task pods are removed; failed ones are kept for `kubectl logs`
                // until the cleanup CronJob below removes them.
                delete_worker_pods: "True",
                delete_worker_pods_on_failure: "False",
                worker_pods_creation_batch_size: 4,
            },
        },
        scheduler: {
            replicas: config.schedulerReplicas,
            resources: k8sResources(R.scheduler),
            affinity: schedulerAffinity,
            podDisruptionBudget: { enabled: config.schedulerReplicas > 1, config: { maxUnavailable: 1 } },
            logGroomerSidecar: { enabled: false },
            waitForMigrations,
        },
        apiServer: {
            replicas: config.apiServerReplicas,
            resources: k8sResources(R.apiServer),
            waitForMigrations,
        },
        dagProcessor: {
            enabled: true,
            replicas: 1,
            resources: k8sResources(R.dagProcessor),
            // The platform's only git-sync, writing into the DAG claim (gitSyncSidecar.ts).
            extraContainers: [gitSyncSidecar(config)],
            logGroomerSidecar: { enabled: false },
            waitForMigrations,
        },
        triggerer: {
            enabled: true,
            replicas: 1,
            resources: k8sResources(R.triggerer),
            // Logs go to the shared RWX claim, so the triggerer needs no volume of its own.
            persistence: { enabled: false },
            logGroomerSidecar: { enabled: false },
            waitForMigrations,
        },
        workers: {
            // KubernetesExecutor: these become the pod template of every task pod. Chart 1.22.0
            // deprecates `workers.resources` in favour of `workers.kubernetes.resources`
            // (and `workers.celery.resources`), so only the current key is set.
            kubernetes: {
                resources: k8sResources(config.task),
                priorityClassName: args.taskPriorityClass,
            },
        },
        pgbouncer: {
            enabled: true,
            replicas: 1,
            configSecretName: secrets.pgbouncerConfig,
            maxClientConn: 100,
            metadataPoolSize: 10,
            resultBackendPoolSize: 5,
            resources: k8sResources(R.pgbouncer),
            metricsExporterSidecar: { resources: k8sResources(R.pgbouncerExporter), statsSecretName: secrets.pgbouncerStats },
            ...(args.pgbouncer ? { podAnnotations: args.pgbouncer.podAnnotations } : {}),
            ...(args.pgbouncer?.tlsSecret ? pgbouncerTlsValues(args.pgbouncer.tlsSecret) : {}),
        },
        statsd: { enabled: true, resources: k8sResources(R.statsd) },
        dags: {
            // With a claim, the chart runs git-sync in no pod: the dag-processor's own sidecar fills
            // it, and the triggerer and task pods mount it instead of syncing themselves. The
            // gitSync values below still decide the DAG folder, the SSH key volume and known_hosts.
            persistence: { enabled: true, existingClaim: args.dagsClaim },
            gitSync: {
                enabled: true,
                repo: config.dagsRepo,
                // prod: the release's tag or commit, never a branch head (apps/airflow/dagsRevision.ts).
                ...gitSyncRevisionValues(config.dagsRevision),
                depth: 1,
                subPath: config.dagsPath,
                period: "60s",
                resources: k8sResources(R.gitSync),
                // Private repositories: Secrets that exist in the namespace, referenced by name
                // (the chart mounts them into every git-sync container); nothing secret in values.
                ...gitSyncAuth(config),
            },
        },
        logs: { persistence: { enabled: true, existingClaim: args.logsClaim } },
        // Helm hooks would run the migration only after `helm install --wait` saw every pod
        // ready, while those pods wait for the migration: a deadlock. As plain Jobs they run
        // alongside the Deployments, whose wait-for-migrations init containers then succeed.
        migrateDatabaseJob: {
            enabled: true,
            useHelmHooks: false,
            applyCustomEnv: false,
            ttlSecondsAfterFinished: 600,
            resources: k8sResources(R.job),
        },
        createUserJob: {
            enabled: true,
            useHelmHooks: false,
            applyCustomEnv: false,
            ttlSecondsAfterFinished: 600,
            resources: k8sResources(R.job),
            // The password comes from a Secret at run time; the chart's default args would put
            // it into the values (and the Helm release record).
            defaultUser: {
                role: "Admin",
                username: "admin",
                email: "admin@example.org",
                firstName: "Platform",
                lastName: "Admin",
                password: "",
            },
            args: [
                "bash",
                "-c",
                'exec airflow users create -r Admin -u admin -e admin@example.org -f Platform -l Admin -p "${AIRFLOW_ADMIN_PASSWORD}"',
            ],
            env: [{ name: "AIRFLOW_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: secrets.adminPassword, key: "password" } } }],
        },
        // Removes task pods the executor left behind (e.g. failed ones) every 15 minutes.
        cleanup: { enabled: true, schedule: "*/15 * * * *", resources: k8sResources(R.job) },
        ingress: {
            apiServer: {
                enabled: true,
                ingressClassName: args.ingressClass,
                ...(args.ingressAnnotations && Object.keys(args.ingressAnnotations).length > 0
                    ? { annotations: args.ingressAnnotations }
                    : {}),
                // TLS per host (the chart's current form; the top-level `tls` is deprecated).
                hosts: [
                    config.tlsSecretName
                        ? { name: config.host, tls: { enabled: true, secretName: config.tlsSecretName } }
                        : { name: config.host },
                ],
                path: config.path,
                pathType: "Prefix",
            },
        },
    };
}

/** What Airflow requests on the cluster (chart components, own PostgreSQL, task quota). */
export function airflowRequestItems(config: AirflowConfig, db: { postgres: Resources; backup: Resources }): RequestItem[] {
    const R = AIRFLOW_RESOURCES;
    return [
        { name: "airflow scheduler", ...R.scheduler, replicas: config.schedulerReplicas },
        { name: "airflow api-server", ...R.apiServer, replicas: config.apiServerReplicas },
        { name: "airflow dag-processor", ...R.dagProcessor, pod: "airflow dag-processor" },
        { name: "airflow dag-processor git-sync", ...R.gitSync, pod: "airflow dag-processor" },
        { name: "airflow triggerer", ...R.triggerer, pod: "airflow triggerer" },
        { name: "airflow pgbouncer", ...R.pgbouncer, pod: "airflow pgbouncer" },
        { name: "airflow pgbouncer exporter", ...R.pgbouncerExporter, pod: "airflow pgbouncer" },
        { name: "airflow statsd", ...R.statsd },
        // One job at a time in steady state (migration/create-user at install, cleanup every 15 min).
        { name: "airflow jobs (migrate/create-user/cleanup)", ...R.job },
        { name: "airflow metadata PostgreSQL", ...db.postgres },
        { name: "airflow pg_dump backup", ...db.backup },
        // Task pods may take up to the quota; count all of it so a busy DAG still fits.
        { name: "airflow task pods (quota)", cpu: config.taskQuota.cpu, memory: config.taskQuota.memory, budget: true },
        // One task pod with the default requests (the LimitRange's defaultRequest): checked per
        // pod, counted zero times in the sums (the quota above already covers it).
        {
            name: "airflow task pod (default requests)",
            cpu: config.task.cpu,
            memory: config.task.memory,
            replicas: 0,
            configKeys: ["data-platform:airflowTaskCpu", "data-platform:airflowTaskMemory"],
        },
    ];
}
