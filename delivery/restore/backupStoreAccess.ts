/** The off-site backup store a restore reads: its location and credential from the stack, and the snapshots in it. */
import { Snapshot, snapshotFromObject } from "./restore";
import { listObjects, S3Access } from "./s3List";

/** The bucket and credential: location from config, credential from the outputs (or config). */
export function backupStoreOf(
    config: Record<string, unknown>,
    outputs: Record<string, unknown>,
): { access: S3Access } | { problem: string } {
    const raw = config.backupStore;
    const cfg = (typeof raw === "string" ? safeJson(raw) : raw) as Record<string, unknown> | undefined;
    if (!cfg || typeof cfg !== "object")
        return {
            problem:
                "no backupStore config: without off-site etcd snapshots there is nothing to restore a lost control " +
                "plane from (see docs/infra.md, backupStore).",
        };
    const out = (outputs.backupStore ?? {}) as Record<string, unknown>;
    const accessKey = out.accessKey ?? config.backupStoreAccessKey;
    const secretKey = out.secretKey ?? config.backupStoreSecretKey;
    if (typeof accessKey !== "string" || typeof secretKey !== "string") {
        return {
            problem:
                "the backupStore credential is in neither the stack's backupStore output nor " +
                "backupStoreAccessKey/backupStoreSecretKey config: the stack was never deployed with backupStore.",
        };
    }
    const [endpoint, bucket, region] = [cfg.endpoint, cfg.bucket, cfg.region].map((v) => (typeof v === "string" ? v : ""));
    if (!endpoint || !bucket || !region) return { problem: "backupStore config lacks endpoint, bucket or region." };
    return { access: { endpoint, bucket, region, accessKey, secretKey } };
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** The snapshots k3s wrote into the bucket's folder (other objects there are left out). */
export async function bucketSnapshots(store: S3Access, folder: string, pageSize?: number): Promise<Snapshot[]> {
    return (await listObjects(store, `${folder}/`, pageSize)).flatMap((o) => {
        const s = snapshotFromObject(o.key, folder, o.size);
        return s ? [s] : [];
    });
}
