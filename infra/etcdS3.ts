/**
 * k3s settings that send every scheduled etcd snapshot to S3-compatible object storage as well
 * as to the server's disk (k3s keeps `etcd-snapshot-retention` snapshots in each place), and the
 * checks on how often and how many. Pure.
 */
import type { ConfigReader } from "../lib/config/reader";
import { cronCadence } from "../lib/config/cron";

/** `etcdSnapshotSchedule` when unset: every 6 hours (the restore command states the RPO from it). */
export const DEFAULT_ETCD_SNAPSHOT_SCHEDULE = "0 */6 * * *";

/** Snapshots closer than this stall a busy datastore (each is a full copy) for little gain in RPO. */
export const ETCD_SNAPSHOT_MIN_GAP_MINUTES = 15;

/** The history kept must reach back at least this far, so a fault noticed the next day still has a snapshot from before it. */
export const ETCD_SNAPSHOT_MIN_HISTORY_HOURS = 24;

/** `etcdSnapshotRetention`, checked against the history it keeps at `schedule`. */
export function snapshotRetention(r: ConfigReader, schedule: string): number {
    const retention = r.integer("etcdSnapshotRetention", { default: 12, min: 1, max: 100 });
    const cadence = cronCadence(schedule);
    if (!cadence) return retention;
    const hours = (retention * 24) / cadence.perDay;
    if (hours < ETCD_SNAPSHOT_MIN_HISTORY_HOURS) {
        const needed = Math.ceil((ETCD_SNAPSHOT_MIN_HISTORY_HOURS * cadence.perDay) / 24);
        r.problem(
            "etcdSnapshotRetention",
            retention,
            `keeps ${retention} snapshot(s) of "${schedule}" (${cadence.perDay} a day): ` +
                `about ${Math.round(hours * 10) / 10} h of history, so a fault noticed the next day ` +
                `has no snapshot from before it; keep at least ${needed}, or snapshot less often`,
        );
    }
    return retention;
}

/** Where snapshots go (not secret; part of a server's spec). */
export interface EtcdS3Target {
    /** `https://host[:port]` or `http://...` of the S3 API. */
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    /** Key prefix inside the bucket, e.g. `prod/etcd`. */
    readonly folder: string;
}

export interface EtcdS3Credentials {
    readonly accessKey: string;
    readonly secretKey: string;
}

/** The `etcd-s3*` keys of `/etc/rancher/k3s/config.yaml`. */
export function etcdS3Settings(target: EtcdS3Target, credentials: EtcdS3Credentials): Record<string, unknown> {
    const url = new URL(target.endpoint);
    return {
        "etcd-s3": true,
        // k3s wants host[:port]; the scheme decides etcd-s3-insecure.
        "etcd-s3-endpoint": url.host,
        ...(url.protocol === "http:" ? { "etcd-s3-insecure": true } : {}),
        "etcd-s3-bucket": target.bucket,
        "etcd-s3-region": target.region,
        "etcd-s3-folder": target.folder,
        "etcd-s3-access-key": credentials.accessKey,
        "etcd-s3-secret-key": credentials.secretKey,
    };
}
