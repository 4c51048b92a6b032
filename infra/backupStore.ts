/**
 * The S3-compatible bucket that takes etcd snapshots (k3s `etcd-s3`) and the apps layer's
 * PostgreSQL dumps, so backups outlive every node and the cluster itself. Either given (endpoint,
 * bucket, credential from config secrets) or created here: a Swift container, reachable through
 * the cloud's S3 API, and an EC2-style credential for it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import * as random from "@pulumi/random";
import type { BackupStoreConfig } from "./config";
import type { BackupStoreOutput } from "../lib/contracts";
import { componentType, withFormerType } from "../lib/componentType";

/** What every backup writer needs; published (secret) as the infra output `backupStore`. */
export type BackupStoreAccess = BackupStoreOutput;

export interface BackupStoreArgs {
    readonly config: BackupStoreConfig;
}

export class BackupStore extends pulumi.ComponentResource {
    /** Endpoint, bucket, region and credential (secret). */
    readonly access: pulumi.Output<BackupStoreAccess>;

    constructor(name: string, args: BackupStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "BackupStore"), name, {}, withFormerType(componentType("infra", "BackupStore"), opts));
        const c = args.config;
        let accessKey: pulumi.Input<string>;
        let secretKey: pulumi.Input<string>;
        if (c.create) {
            // The backups are the last copy when everything else is gone: deleting them needs
            // `pulumi state unprotect` first, and a non-empty container is never force-deleted.
            new openstack.objectstorage.Container(
                `${name}-container`,
                { name: c.bucket, forceDestroy: false },
                { parent: this, protect: true, retainOnDelete: true },
            );
            const credential = new openstack.identity.Ec2CredentialV3(`${name}-ec2-credential`, {}, { parent: this });
            accessKey = credential.access;
            secretKey = credential.secret;
        } else {
            accessKey = c.accessKey!;
            secretKey = c.secretKey!;
        }
        // The dumps' client-side encryption key. Protected: a new one would leave every existing
        // dump unreadable (docs/security.md says where it is and how to keep a copy).
        const passphrase = new random.RandomPassword(`${name}-encryption-passphrase`, { length: 48, special: false }, { parent: this, protect: true });
        this.access = pulumi.secret(
            pulumi.all([accessKey, secretKey, passphrase.result]).apply(([a, s, p]) => ({ endpoint: c.endpoint, bucket: c.bucket, region: c.region, accessKey: a, secretKey: s, encryptionPassphrase: p })),
        );
        this.registerOutputs({});
    }
}
