/**
 * The restore command's snapshot listing against a real S3 API: `s3rver` (npm; a stand-in for
 * Swift's S3 API / AWS S3) on 127.0.0.1, holding objects named and placed as k3s' etcd-s3 upload
 * writes them. s3rver checks the access key but not a V4 signature: the signing is proven on
 * AWS' published example (restore.test.ts).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as net from "net";
import S3rver from "s3rver";
import { bucketSnapshots } from "../../../delivery/restore/restoreCommand";
import { S3Access, s3Request } from "../../../delivery/restore/s3List";
import { backupPrefixes } from "../../../lib/contracts";
import { tempDir } from "../../support/tempDir";

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
    });
}

describe("delivery: restore lists the off-site etcd snapshots (real S3 API)", function () {
    this.timeout(60_000);
    let s3: S3rver;
    let dir: string;
    const access: S3Access = { endpoint: "", bucket: "envx-backups", region: "RegionOne", accessKey: "S3RVER", secretKey: "S3RVER" };
    const folder = backupPrefixes("envx").etcd;
    const t = 1_780_000_000;
    const names = [
        `etcd-snapshot-envx-k3s-server-0-1a2b3c4d-${t}.zip`,
        `etcd-snapshot-envx-k3s-server-1-5e6f7a8b-${t - 21600}.zip`,
        `on-demand-envx-k3s-server-2-9c0d1e2f-${t - 3600}`,
    ];

    before(async () => {
        dir = tempDir("s3rver-restore");
        const port = await freePort();
        s3 = new S3rver({
            address: "127.0.0.1",
            port,
            silent: true,
            directory: dir,
            configureBuckets: [{ name: access.bucket, configs: [] }],
        });
        await s3.run();
        Object.assign(access, { endpoint: `http://127.0.0.1:${port}` });
        const put = (key: string, bytes: number) => s3Request(access, "PUT", key, {}, Buffer.alloc(bytes, 7));
        for (const [i, name] of names.entries()) await put(`${folder}/${name}`, 3000 + i);
        // What else lives there: k3s' snapshot metadata, another environment, Postgres dumps.
        await put(`${folder}/.metadata/${names[0]}`, 10);
        await put(`${backupPrefixes("envy").etcd}/etcd-snapshot-envy-k3s-server-0-00000000-${t}`, 10);
        await put(`${backupPrefixes("envx").postgres("todo")}/todo-20260101T000000Z.dump`, 10);
    });

    after(async () => {
        await s3?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("finds exactly this environment's snapshots with their time and size", async () => {
        const found = await bucketSnapshots(access, folder);
        assert.deepEqual(
            found.map((s) => [s.name, s.takenAt.getTime() / 1000, s.size]).sort(),
            names.map((n, i) => [n, Number(/-(\d+)(\.zip)?$/.exec(n)![1]), 3000 + i]).sort(),
        );
        assert.ok(found.every((s) => s.key === `${folder}/${s.name}`));
    });

    it("an unknown credential is refused by the store, and said so", async () => {
        await assert.rejects(
            bucketSnapshots({ ...access, accessKey: "NOT-A-KEY" }, folder),
            /HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist/,
        );
    });

    it("an empty folder lists nothing", async () => {
        assert.deepEqual(await bucketSnapshots(access, backupPrefixes("nothing-here").etcd), []);
    });
});
