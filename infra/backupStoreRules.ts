/**
 * The bucket rules that make "writers can't delete" hold on a store that enforces them (Ceph RGW,
 * AWS S3, MinIO): a bucket policy letting the writer project put, read and list but never delete
 * or change the rules, versioning (an overwrite keeps the old version) and a lifecycle rule that
 * expires backups and old versions after `expireAfterDays`. The bucket's owner (the deploy
 * project) applies them once through the S3 API (docs/security.md); Swift's S3 API supports none
 * of the three. Pure.
 */
import type { BackupStoreConfig } from "./backupStoreConfig";

/** S3 actions the writers must never have: deleting objects or versions, or loosening the rules. */
export const WRITER_DENIED_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
] as const;

/** What the writers need: k3s lists and uploads snapshots, rclone uploads, verifies and lists dumps. */
export const WRITER_ALLOWED_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:ListBucket"] as const;

export interface BackupStoreRules {
    readonly bucketPolicy: Record<string, unknown>;
    readonly versioning: "Enabled";
    readonly lifecycle: Record<string, unknown>;
}

/**
 * RGW maps every Keystone project to one RGW user named by the project ID (with implicit
 * tenants, `<project>$<project>`), so a policy can tell the writer project from the owner's but
 * not two users of one project: the writers' project must hold nothing else.
 */
export function writerPrincipal(project: string): string {
    return `arn:aws:iam::${project}:user/${project}`;
}

/** The rules for a store with pruning "store" and writers in their own project(s); undefined otherwise. */
export function backupStoreRules(store: BackupStoreConfig): BackupStoreRules | undefined {
    if (store.pruning !== "store" || store.expireAfterDays === undefined) return undefined;
    const projects = [...new Set(store.credentials.flatMap((c) => (c.owner === "deployer" ? [] : [c.owner.project])))];
    if (projects.length === 0) return undefined;
    const principal = { AWS: projects.map(writerPrincipal) };
    const resources = [`arn:aws:s3:::${store.bucket}`, `arn:aws:s3:::${store.bucket}/*`];
    return {
        bucketPolicy: {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "BackupWritersPutReadList",
                    Effect: "Allow",
                    Principal: principal,
                    Action: [...WRITER_ALLOWED_ACTIONS],
                    Resource: resources,
                },
                {
                    Sid: "BackupWritersNeverDelete",
                    Effect: "Deny",
                    Principal: principal,
                    Action: [...WRITER_DENIED_ACTIONS],
                    Resource: resources,
                },
            ],
        },
        versioning: "Enabled",
        lifecycle: {
            Rules: [
                {
                    ID: "expire-backups",
                    Status: "Enabled",
                    Filter: { Prefix: "" },
                    Expiration: { Days: store.expireAfterDays },
                    NoncurrentVersionExpiration: { NoncurrentDays: store.expireAfterDays },
                    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
                },
            ],
        },
    };
}
