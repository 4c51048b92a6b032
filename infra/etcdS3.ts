/**
 * k3s settings that send every scheduled etcd snapshot to S3-compatible object storage as well
 * as to the server's disk (k3s keeps `etcd-snapshot-retention` snapshots in each place). Pure.
 */

/** `etcdSnapshotSchedule` when unset: every 6 hours (the restore command states the RPO from it). */
export const DEFAULT_ETCD_SNAPSHOT_SCHEDULE = "0 */6 * * *";

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
