/**
 * The off-site object store of the lifetime suite: `s3rver` (npm; a STAND-IN for the cloud's S3
 * API, the one the backup tests use) on the host's loopback. The VMs reach the host through
 * QEMU's user network (10.0.2.2), the host through 127.0.0.1: the same bucket under two
 * endpoints, as a real bucket is one URL for both. s3rver checks the access key (its built-in
 * account), not the V4 signature.
 */
import * as fs from "node:fs";
import S3rver from "s3rver";
import { bucketSnapshots } from "../../../delivery/restore/restoreCommand";
import type { Snapshot } from "../../../delivery/restore/restore";
import type { S3Access } from "../../../delivery/restore/s3List";
import { backupPrefixes } from "../../../lib/contracts";
import { freeTcpPort } from "./access";
import { tempDir } from "../../support/tempDir";

/** s3rver's built-in account (a fixed, public test credential of the stand-in, not a secret). */
const ACCOUNT = { accessKey: "S3RVER", secretKey: "S3RVER" } as const;

export class ObjectStore {
    readonly bucket = "platform-lifetime-backups";
    readonly region = "RegionOne";
    private server?: S3rver;
    private dir = "";
    port = 0;

    async start(): Promise<void> {
        this.dir = tempDir("lifetime-s3");
        this.port = await freeTcpPort();
        this.server = new S3rver({
            address: "127.0.0.1",
            port: this.port,
            silent: true,
            directory: this.dir,
            configureBuckets: [{ name: this.bucket, configs: [] }],
        });
        await this.server.run();
    }

    /** The stack settings that point its backupStore at this bucket (as the VMs reach it). */
    settings(): Record<string, string> {
        return {
            backupStore: JSON.stringify({
                endpoint: `http://10.0.2.2:${this.port}`,
                bucket: this.bucket,
                region: this.region,
                create: false,
            }),
            backupStoreAccessKey: ACCOUNT.accessKey,
            backupStoreSecretKey: ACCOUNT.secretKey,
        };
    }

    /** The settings above that are secrets. */
    readonly secretSettings = ["backupStoreAccessKey", "backupStoreSecretKey"] as const;

    get credentials(): { accessKey: string; secretKey: string } {
        return { ...ACCOUNT };
    }

    /** The bucket as the host reaches it. */
    hostAccess(): S3Access {
        return { endpoint: `http://127.0.0.1:${this.port}`, bucket: this.bucket, region: this.region, ...ACCOUNT };
    }

    /** The environment's etcd snapshots in the bucket (the restore command's own listing). */
    snapshots(environment: string): Promise<Snapshot[]> {
        return bucketSnapshots(this.hostAccess(), backupPrefixes(environment).etcd);
    }

    async stop(): Promise<void> {
        await this.server?.close();
        if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
