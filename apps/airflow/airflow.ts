/**
 * Apache Airflow 3 on Kubernetes: the official chart with the KubernetesExecutor (one pod per
 * task), around it what the chart should not own — the metadata PostgreSQL with backups, the
 * generated secrets, the logs volume, the task quota and the monitoring objects.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { AirflowConfig } from "../config";
import { airflowValues, AirflowSecretNames } from "./values";
import { dagsGitSecretManifest } from "./gitCredentials";
import { registryHost, RegistryCredential } from "../images";
import { newPullSecret, PULL_SECRET_NAME } from "../pullSecret";
import type { OffsiteTarget } from "../postgres";
import { serviceCertificate, serviceDnsNames } from "../postgresTls";
import { clientSslMode, PGBOUNCER_PORT, PGBOUNCER_TLS_SECRET, pgbouncerIni, pgbouncerIniAnnotations } from "./pgbouncer";
import { airflowDashboard, statsdServiceMonitor } from "./monitoring";
import { appDatabase, appNamespace, IngressArgs, ingressUrl } from "../appParts";
import { GRAFANA_DASHBOARD_LABEL } from "../../lib/monitoring/dashboard";
import { componentType } from "../../lib/componentType";
import { TASK_PRIORITY_CLASS, taskGuards } from "./taskResources";
import { generatedSecrets, SecretOf } from "./generatedSecrets";

export interface AirflowPlatformArgs extends IngressArgs {
    readonly config: AirflowConfig;
    /** Namespace of Airflow's components and of its task pods. */
    readonly namespace: string;
    readonly storageClasses: { readonly rwo: string; readonly rwx: string };
    /** Where Grafana's dashboard sidecar looks for ConfigMaps. */
    readonly monitoringNamespace: string;
    /** Protect and retain the database and log volumes. */
    readonly protect: boolean;
    /** Off-site dumps of the metadata database (else they go to a PVC in the cluster). */
    readonly offsiteBackup?: OffsiteTarget;
    /** Pull credential of the own images' registry; used when the Airflow image comes from it. */
    readonly pullCredential?: RegistryCredential;
    /** The cluster's internal CA issuer: the metadata database and PgBouncer serve TLS (unset: an older cluster stack). */
    readonly internalIssuer?: string;
}

/** The Helm release name; fixes the chart's object names (`airflow-pgbouncer`, `airflow-statsd`...). */
export const AIRFLOW_RELEASE = "airflow";
/** A checkout of the DAG folder's repository at depth 1. */
export const DAGS_CLAIM_SIZE = "1Gi";

export class AirflowPlatform extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly url: string;
    readonly release: k8s.helm.v3.Release;
    /** Generated admin password (secret). */
    readonly adminPassword: pulumi.Output<string>;

    constructor(name: string, args: AirflowPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("apps", "AirflowPlatform"), name, {}, opts);
        const { config } = args;
        const ns = args.namespace;
        const labels = { "app.kubernetes.io/part-of": "airflow" };
        const stateful = args.protect ? { protect: true, retainOnDelete: true } : {};

        // The namespace holds the database and log PVCs: protected like them.
        const namespace = appNamespace(name, ns, labels, { parent: this, protect: args.protect });
        this.namespace = namespace.metadata.name;
        const inNs = { parent: this, dependsOn: [namespace] };

        // Task pods get a low priority and never preempt: under pressure they yield to the
        // platform, not the other way round.
        const priority = new k8s.scheduling.v1.PriorityClass(
            `${name}-task-priority`,
            {
                metadata: { name: TASK_PRIORITY_CLASS, labels },
                value: -10,
                preemptionPolicy: "Never",
                globalDefault: false,
                description: "Airflow task pods (KubernetesExecutor); scopes the task ResourceQuota",
            },
            { parent: this },
        );
        const guards = taskGuards(config, ns);
        const quota = new k8s.core.v1.ResourceQuota(`${name}-task-quota`, guards.quota as k8s.core.v1.ResourceQuotaArgs, inNs);
        const limitRange = new k8s.core.v1.LimitRange(`${name}-limits`, guards.limitRange as k8s.core.v1.LimitRangeArgs, inNs);

        const secret: SecretOf = (suffix, stringData) =>
            new k8s.core.v1.Secret(
                `${name}-${suffix}`,
                {
                    metadata: { name: `${AIRFLOW_RELEASE}-${suffix}`, namespace: ns, labels },
                    type: "Opaque",
                    stringData,
                },
                inNs,
            );
        const { fernet, api, jwt, admin, adminPassword } = generatedSecrets(name, secret, this);
        this.adminPassword = adminPassword;

        // PgBouncer's own certificate: served to Airflow, and its ca.crt verifies PostgreSQL's.
        const tls = args.internalIssuer
            ? new k8s.apiextensions.CustomResource(
                  `${name}-pgbouncer-certificate`,
                  serviceCertificate({
                      name: PGBOUNCER_TLS_SECRET,
                      namespace: ns,
                      secretName: PGBOUNCER_TLS_SECRET,
                      issuer: args.internalIssuer,
                      dnsNames: serviceDnsNames(`${AIRFLOW_RELEASE}-pgbouncer`, ns),
                  }) as k8s.apiextensions.CustomResourceArgs,
                  inNs,
              )
            : undefined;
        const db = appDatabase(
            name,
            namespace,
            config,
            {
                database: "airflow",
                storageClass: args.storageClasses.rwo,
                protect: args.protect,
                offsite: args.offsiteBackup,
                labels,
                ...(args.internalIssuer ? { tls: { issuer: args.internalIssuer } } : {}),
            },
            this,
        );

        // Airflow talks to PgBouncer, PgBouncer to PostgreSQL. The chart would render both
        // connection strings from a plaintext password in values; we render them from the
        // generated password into Secrets instead. With the cluster's internal CA both hops are
        // TLS (apps/airflow/pgbouncer.ts).
        const pgbouncerHost = `${AIRFLOW_RELEASE}-pgbouncer.${ns}`;
        const sslmode = clientSslMode(tls !== undefined);
        const metadataDb = `${pgbouncerHost}:${PGBOUNCER_PORT}/airflow-metadata?sslmode=${sslmode}`;
        const metadata = secret("metadata", {
            connection: pulumi.secret(pulumi.interpolate`postgresql://${db.user}:${db.password}@${metadataDb}`),
        });
        const ini = pgbouncerIni({
            host: serviceDnsNames(`${name}-postgresql`, ns)[0],
            database: db.database,
            user: db.user,
            tls: tls !== undefined,
        });
        const pgbouncerConfig = secret("pgbouncer-config", {
            "pgbouncer.ini": ini,
            "users.txt": pulumi.secret(pulumi.interpolate`"${db.user}" "${db.password}"\n`),
        });
        const pgbouncerStats = secret("pgbouncer-stats", {
            connection: pulumi.secret(
                pulumi.interpolate`postgresql://${db.user}:${db.password}@127.0.0.1:${PGBOUNCER_PORT}/pgbouncer?sslmode=${sslmode}`,
            ),
        });

        // Task and component logs on the RWX class, shared by every pod that writes or serves them.
        const logs = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-logs`,
            {
                metadata: { name: `${AIRFLOW_RELEASE}-logs`, namespace: ns, labels },
                spec: {
                    accessModes: ["ReadWriteMany"],
                    storageClassName: args.storageClasses.rwx,
                    resources: { requests: { storage: config.logsSize } },
                },
            },
            { ...inNs, ...stateful },
        );

        // The DAGs, written by the dag-processor's git-sync alone and mounted read-only by every
        // other pod: task pods then run no git-sync of their own and get no egress to the repository.
        const dags = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-dags`,
            {
                metadata: { name: `${AIRFLOW_RELEASE}-dags`, namespace: ns, labels },
                spec: {
                    accessModes: ["ReadWriteMany"],
                    storageClassName: args.storageClasses.rwx,
                    resources: { requests: { storage: DAGS_CLAIM_SIZE } },
                },
            },
            { ...inNs, ...stateful },
        );

        // The private DAG repository's credential, from secure: config; git-sync cannot start
        // without it, so it exists before the chart installs.
        const gitCredential = config.dagsGit
            ? (() => {
                  const m = dagsGitSecretManifest(config.dagsGit, ns, labels);
                  return new k8s.core.v1.Secret(
                      `${name}-git-credentials`,
                      {
                          metadata: m.metadata,
                          type: m.type,
                          stringData: pulumi.secret(m.stringData),
                      },
                      inNs,
                  );
              })()
            : undefined;

        // A custom Airflow image in the own images' private registry needs the pull Secret too
        // (every chart pod and task pod runs that image); a public image needs none.
        const pullCredential =
            args.pullCredential && registryHost(config.image) === args.pullCredential.server ? args.pullCredential : undefined;
        const pull = pullCredential ? newPullSecret(`${name}-image-pull`, pullCredential, ns, labels, inNs) : undefined;

        const secretNames: AirflowSecretNames = {
            fernetKey: `${AIRFLOW_RELEASE}-fernet-key`,
            apiSecretKey: `${AIRFLOW_RELEASE}-api-secret-key`,
            jwtSecret: `${AIRFLOW_RELEASE}-jwt-secret`,
            metadata: `${AIRFLOW_RELEASE}-metadata`,
            pgbouncerConfig: `${AIRFLOW_RELEASE}-pgbouncer-config`,
            pgbouncerStats: `${AIRFLOW_RELEASE}-pgbouncer-stats`,
            adminPassword: `${AIRFLOW_RELEASE}-admin-password`,
        };
        const values = airflowValues({
            config,
            releaseName: AIRFLOW_RELEASE,
            ingressClass: args.ingressClass,
            secrets: secretNames,
            logsClaim: `${AIRFLOW_RELEASE}-logs`,
            dagsClaim: `${AIRFLOW_RELEASE}-dags`,
            taskPriorityClass: TASK_PRIORITY_CLASS,
            ingressAnnotations: args.ingressAnnotations,
            pgbouncer: { podAnnotations: pgbouncerIniAnnotations(ini), ...(tls ? { tlsSecret: PGBOUNCER_TLS_SECRET } : {}) },
            ...(pull ? { imagePullSecret: PULL_SECRET_NAME } : {}),
        });

        // helm install/upgrade --wait (+ wait for jobs): `pulumi up` reports success only when
        // migrations ran and every component is ready. The jobs are not hooks (see values.ts),
        // so waiting cannot deadlock.
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: AIRFLOW_RELEASE,
                chart: "airflow",
                version: config.chartVersion,
                repositoryOpts: { repo: config.chartRepo },
                namespace: ns,
                values,
                waitForJobs: true,
                timeout: 1200,
                atomic: false,
                cleanupOnFail: false,
                maxHistory: 10,
            },
            {
                parent: this,
                dependsOn: [
                    namespace,
                    priority,
                    quota,
                    limitRange,
                    fernet,
                    api,
                    jwt,
                    admin,
                    metadata,
                    pgbouncerConfig,
                    pgbouncerStats,
                    logs,
                    dags,
                    db,
                    ...(gitCredential ? [gitCredential] : []),
                    ...(pull ? [pull] : []),
                    ...(tls ? [tls] : []),
                ],
            },
        );

        new k8s.apiextensions.CustomResource(
            `${name}-statsd-monitor`,
            statsdServiceMonitor(AIRFLOW_RELEASE, ns) as k8s.apiextensions.CustomResourceArgs,
            {
                parent: this,
                dependsOn: [this.release],
            },
        );
        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: "airflow-dashboard",
                    namespace: args.monitoringNamespace,
                    labels: { ...GRAFANA_DASHBOARD_LABEL, ...labels },
                },
                data: { "airflow.json": JSON.stringify(airflowDashboard(), null, 2) },
            },
            { parent: this },
        );

        this.url = ingressUrl(config.host, config.path, config.tlsSecretName);
        this.registerOutputs({ namespace: this.namespace, url: this.url });
    }
}
