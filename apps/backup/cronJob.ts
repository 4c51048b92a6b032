/**
 * The off-site dump CronJob of one PostgreSQL database, as a pure object: an init container
 * dumps with the database's own (pinned) PostgreSQL image into an emptyDir, then the pinned
 * rclone image uploads the dump, checks it and (unless the store expires them) prunes dumps past
 * the retention. The upload only
 * starts after a successful dump; a failed Job shows in kube-state-metrics
 * (`kube_job_status_failed`, `kube_cronjob_status_last_successful_time`).
 */
import { DUMP_DIR, dumpScript, EnvVar, ObjectStore, rcloneEnv, uploadScript } from "./offsite";

/** rclone's official image, pinned (the restore test runs the same commands with Debian's rclone). */
export const RCLONE_IMAGE = "docker.io/rclone/rclone:1.75.1";

export interface OffsiteDumpArgs {
    /** CronJob name, also the Job/pod name prefix. */
    readonly name: string;
    readonly labels: Record<string, string>;
    readonly schedule: string;
    readonly retentionDays: number;
    /** The database's PostgreSQL image (pg_dump of the same major version). */
    readonly postgresImage: string;
    readonly rcloneImage: string;
    /** PG* environment (host, port, database, user, password) from the database Secret. */
    readonly pgEnv: EnvVar[];
    readonly store: ObjectStore;
    /** Secret holding the store credential (`access-key`, `secret-key`). */
    readonly storeSecret: string;
    /** Key prefix inside the bucket, e.g. `prod/postgres/airflow`. */
    readonly prefix: string;
    /** Delete dumps past the retention after a good upload (false: the store expires them). */
    readonly prune: boolean;
    readonly resources: Record<string, unknown>;
}

export const BACKUP_COMPONENT = "backup";

/** The CronJob envelope every dump job shares: no overlap, bounded runtime, short history. */
export function backupCronJob(
    name: string,
    labels: Record<string, string>,
    schedule: string,
    podSpec: Record<string, unknown>,
): Record<string, unknown> {
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name, labels },
        spec: {
            schedule,
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                spec: {
                    backoffLimit: 2,
                    activeDeadlineSeconds: 3600,
                    template: { metadata: { labels: { ...labels, "app.kubernetes.io/component": BACKUP_COMPONENT } }, spec: podSpec },
                },
            },
        },
    };
}

export function offsiteDumpCronJob(a: OffsiteDumpArgs): Record<string, unknown> {
    const dumpMount = [{ name: "dump", mountPath: DUMP_DIR }];
    const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };
    return backupCronJob(a.name, a.labels, a.schedule, {
        restartPolicy: "Never",
        securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true },
        initContainers: [
            {
                name: "pg-dump",
                image: a.postgresImage,
                command: ["sh", "-c", dumpScript()],
                env: a.pgEnv,
                resources: a.resources,
                securityContext: hardened,
                volumeMounts: dumpMount,
            },
        ],
        containers: [
            {
                name: "upload",
                image: a.rcloneImage,
                command: ["sh", "-c", uploadScript(a.store, a.prefix, a.prune ? a.retentionDays : undefined)],
                // rclone writes nothing else; HOME only silences its config-file notice.
                env: [...rcloneEnv(a.store, a.storeSecret), { name: "HOME", value: DUMP_DIR }],
                resources: a.resources,
                securityContext: hardened,
                volumeMounts: dumpMount,
            },
        ],
        volumes: [{ name: "dump", emptyDir: {} }],
    });
}
