/**
 * A single-instance PostgreSQL owned by this project (Airflow's metadata DB; the Todo app uses
 * the same component). The data lives on an explicit, protected PVC rather than a StatefulSet
 * claim template, so `pulumi destroy` cannot drop it without someone first lifting protection.
 * An optional CronJob takes `pg_dump` backups, off-site to S3-compatible object storage when the
 * environment has a backup store (apps/backup), else onto a second PVC, and prunes old ones.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { k8sResources, POSTGRES_RESOURCES } from "./resources";
import { backupCronJob, offsiteDumpCronJob } from "./backup/cronJob";
import { dumpScript, STORE_SECRET_KEYS, type ObjectStore } from "./backup/offsite";
import {
    pgHbaTls,
    POSTGRES_HBA_DIR,
    POSTGRES_TLS_DIR,
    postgresProbeScript,
    postgresTlsArgs,
    serviceCertificate,
    serviceDnsNames,
} from "./postgresTls";
import { componentType } from "../lib/componentType";

export interface PostgresBackupArgs {
    /** 5-field cron expression. */
    readonly schedule: string;
    /** Dumps older than this many days are deleted after each successful dump. */
    readonly retentionDays: number;
    /** Size of the backup PVC (only without `offsite`). */
    readonly size: string;
    /** Upload dumps to object storage instead of a PVC in the same cluster. */
    readonly offsite?: OffsiteTarget;
}

export interface OffsiteTarget {
    readonly store: ObjectStore;
    readonly accessKey: pulumi.Input<string>;
    readonly secretKey: pulumi.Input<string>;
    /** Client-side encryption key of the dumps (infra's backup store). */
    readonly encryptionPassphrase: pulumi.Input<string>;
    /** Key prefix, e.g. `prod/postgres/airflow`. */
    readonly prefix: string;
    readonly rcloneImage: string;
    /** False when the store expires old dumps itself (backupStore.pruning "store"): the Job never deletes. */
    readonly prune: boolean;
}

export interface PostgresDatabaseArgs {
    readonly namespace: pulumi.Input<string>;
    readonly image: string;
    /** Database and role name. */
    readonly database: string;
    readonly storageClass: pulumi.Input<string>;
    readonly size: string;
    /** Protect the data PVC and StatefulSet and keep them on delete. */
    readonly protect: boolean;
    readonly backup?: PostgresBackupArgs;
    readonly labels?: Record<string, string>;
    /** Serve TLS with a certificate from this ClusterIssuer and refuse plain TCP connections. */
    readonly tls?: { readonly issuer: string };
}

export class PostgresDatabase extends pulumi.ComponentResource {
    /** In-cluster service name (`<name>.<namespace>.svc`). */
    readonly host: pulumi.Output<string>;
    readonly port = 5432;
    readonly database: string;
    readonly user: string;
    /** Generated password (secret). */
    readonly password: pulumi.Output<string>;
    /** Secret with keys `host`, `port`, `database`, `username`, `password`. */
    readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("apps", "PostgresDatabase"), name, {}, opts);
        const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "database", ...(args.labels ?? {}) };
        this.database = args.database;
        this.user = args.database;
        const stateful = args.protect ? { protect: true, retainOnDelete: true } : {};

        // Letters and digits only: the password is embedded in connection URLs.
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        this.password = pulumi.secret(password.result);

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: { selector: labels, ports: [{ name: "postgres", port: 5432, targetPort: "postgres" }] },
            },
            { parent: this },
        );
        this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc`;

        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${name}-credentials`, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: {
                    host: this.host,
                    port: "5432",
                    database: args.database,
                    username: this.user,
                    password: this.password,
                },
            },
            { parent: this },
        );
        this.secretName = secret.metadata.name;

        // Both claims (data, local dumps) are RWO on the layer's class and share the stateful options.
        const claim = (suffix: string, size: string) =>
            new k8s.core.v1.PersistentVolumeClaim(
                `${name}-${suffix}`,
                {
                    metadata: { name: `${name}-${suffix}`, namespace: args.namespace, labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: args.storageClass,
                        resources: { requests: { storage: size } },
                    },
                },
                { parent: this, ...stateful },
            );
        const data = claim("data", args.size);

        const tls = args.tls ? this.tlsFiles(name, args.namespace, args.tls.issuer, labels) : undefined;
        const probe = { exec: { command: ["sh", "-c", postgresProbeScript(tls !== undefined)] } };
        const fromSecret = (key: string) => ({ secretKeyRef: { name: secret.metadata.name, key } });
        new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: { name, namespace: args.namespace, labels },
                spec: {
                    serviceName: service.metadata.name,
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
                            containers: [
                                {
                                    name: "postgres",
                                    image: args.image,
                                    ...(tls ? { args: postgresTlsArgs() } : {}),
                                    ports: [{ name: "postgres", containerPort: 5432 }],
                                    env: [
                                        { name: "POSTGRES_DB", value: args.database },
                                        { name: "POSTGRES_USER", valueFrom: fromSecret("username") },
                                        { name: "POSTGRES_PASSWORD", valueFrom: fromSecret("password") },
                                        // A subdirectory: the volume root may hold lost+found, which initdb refuses.
                                        { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                                    ],
                                    resources: k8sResources(POSTGRES_RESOURCES.server),
                                    readinessProbe: { ...probe, periodSeconds: 10, timeoutSeconds: 5 },
                                    livenessProbe: {
                                        exec: { command: ["sh", "-c", postgresProbeScript(false)] },
                                        initialDelaySeconds: 30,
                                        periodSeconds: 20,
                                        timeoutSeconds: 5,
                                        failureThreshold: 6,
                                    },
                                    volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }, ...(tls?.mounts ?? [])],
                                },
                            ],
                            volumes: [{ name: "data", persistentVolumeClaim: { claimName: data.metadata.name } }, ...(tls?.volumes ?? [])],
                        },
                    },
                },
            },
            { parent: this, ...stateful, dependsOn: tls?.ready ?? [] },
        );

        const pgEnv = (["host", "port", "database", "username", "password"] as const).map((key, i) => ({
            name: ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"][i],
            valueFrom: { secretKeyRef: { name: `${name}-credentials`, key } },
        }));
        const offsite = args.backup?.offsite;
        if (args.backup && offsite) {
            const storeSecret = new k8s.core.v1.Secret(
                `${name}-backup-store`,
                {
                    metadata: { name: `${name}-backup-store`, namespace: args.namespace, labels },
                    type: "Opaque",
                    stringData: {
                        [STORE_SECRET_KEYS.accessKey]: pulumi.secret(offsite.accessKey),
                        [STORE_SECRET_KEYS.secretKey]: pulumi.secret(offsite.secretKey),
                        [STORE_SECRET_KEYS.encryptionPassphrase]: pulumi.secret(offsite.encryptionPassphrase),
                    },
                },
                { parent: this },
            );
            const job = offsiteDumpCronJob({
                name: `${name}-backup`,
                labels,
                schedule: args.backup.schedule,
                retentionDays: args.backup.retentionDays,
                postgresImage: args.image,
                rcloneImage: offsite.rcloneImage,
                pgEnv,
                store: offsite.store,
                storeSecret: `${name}-backup-store`,
                prefix: offsite.prefix,
                prune: offsite.prune,
                resources: k8sResources(POSTGRES_RESOURCES.backup),
            });
            new k8s.batch.v1.CronJob(
                `${name}-backup`,
                {
                    metadata: { ...(job.metadata as object), namespace: args.namespace },
                    spec: job.spec as k8s.types.input.batch.v1.CronJobSpec,
                },
                { parent: this, dependsOn: [storeSecret, secret] },
            );
        } else if (args.backup) {
            const backup = args.backup;
            const backupClaim = claim("backups", backup.size);
            // The same dump script as off-site (temporary name, renamed on success); prune only
            // after a good dump.
            const script = [
                dumpScript("/backups"),
                `find /backups -name "\${PGDATABASE}-*.dump" -type f -mtime +${backup.retentionDays} -print -delete`,
                "ls -l /backups",
            ].join("\n");
            const job = backupCronJob(`${name}-backup`, labels, backup.schedule, {
                restartPolicy: "OnFailure",
                securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
                containers: [
                    {
                        name: "pg-dump",
                        image: args.image,
                        command: ["sh", "-c", script],
                        env: pgEnv,
                        resources: k8sResources(POSTGRES_RESOURCES.backup),
                        volumeMounts: [{ name: "backups", mountPath: "/backups" }],
                    },
                ],
                volumes: [{ name: "backups", persistentVolumeClaim: { claimName: `${name}-backups` } }],
            });
            new k8s.batch.v1.CronJob(
                `${name}-backup`,
                {
                    metadata: { ...(job.metadata as object), namespace: args.namespace },
                    spec: job.spec as k8s.types.input.batch.v1.CronJobSpec,
                },
                { parent: this, dependsOn: [backupClaim] },
            );
        }

        this.registerOutputs({ host: this.host, secretName: this.secretName });
    }

    /** The certificate for the Service's names and pg_hba.conf, as volumes of the server's pod. */
    private tlsFiles(name: string, namespace: pulumi.Input<string>, issuer: string, labels: Record<string, string>) {
        const rendered = (ns: string) =>
            serviceCertificate({
                name: `${name}-tls`,
                namespace: ns,
                secretName: `${name}-tls`,
                dnsNames: serviceDnsNames(name, ns),
                issuer,
            });
        const certificate = new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: `${name}-tls`, namespace, labels },
                spec: pulumi.output(namespace).apply((ns) => rendered(ns).spec),
            },
            { parent: this },
        );
        const hba = new k8s.core.v1.ConfigMap(
            `${name}-hba`,
            {
                metadata: { name: `${name}-hba`, namespace, labels },
                data: { "pg_hba.conf": pgHbaTls() },
            },
            { parent: this },
        );
        return {
            ready: [certificate, hba],
            // 0640 and the pod's fsGroup: PostgreSQL takes a root-owned key only without group write or other access.
            volumes: [
                { name: "tls", secret: { secretName: `${name}-tls`, defaultMode: 0o640 } },
                { name: "hba", configMap: { name: hba.metadata.name } },
            ],
            mounts: [
                { name: "tls", mountPath: POSTGRES_TLS_DIR, readOnly: true },
                { name: "hba", mountPath: POSTGRES_HBA_DIR, readOnly: true },
            ],
        };
    }
}
