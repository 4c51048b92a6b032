import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import S3rver from "s3rver";
import { checkWriter, deleteVerdict, probeKey, s3Probe } from "../../../delivery/backupCheck/writerCheck";
import { listObjects, S3Access } from "../../../delivery/restore/s3List";
import { startDeleteRefusingProxy } from "../../support/deleteRefusingS3.stand-in";
import { tempDir } from "../../support/tempDir";

describe("backup-check: does the store let the writers delete exactly when they prune?", function () {
    this.timeout(60_000);

    it("verdicts: store pruning needs a refused delete, writer pruning an allowed one", () => {
        assert.equal(deleteVerdict("store", "refused").ok, true);
        assert.match(deleteVerdict("store", "deleted").lines[0], /FAIL.*bucket policy.*backupStoreRules.*not applied/);
        assert.equal(deleteVerdict("writers", "deleted").ok, true);
        assert.match(deleteVerdict("writers", "refused").lines[0], /FAIL.*nothing prunes/);
        assert.equal(probeKey("prod", new Date("2026-12-06T03:04:05.678Z")), "prod/writer-check/probe-20261206T030405Z");
    });

    describe("against a real S3 API (s3rver) and a delete-refusing stand-in in front of it", () => {
        let s3: S3rver;
        let dir: string;
        let direct: S3Access;
        let refusing: S3Access;
        let proxy: { endpoint: string; close(): Promise<void> };
        before(async () => {
            dir = tempDir("s3rver-check");
            s3 = new S3rver({
                address: "127.0.0.1",
                port: 0,
                silent: true,
                directory: dir,
                configureBuckets: [{ name: "t-backups", configs: [] }],
            });
            const { port } = (await s3.run()) as { port: number };
            direct = { endpoint: `http://127.0.0.1:${port}`, bucket: "t-backups", region: "r1", accessKey: "S3RVER", secretKey: "S3RVER" };
            proxy = await startDeleteRefusingProxy({ host: "127.0.0.1", port });
            refusing = { ...direct, endpoint: proxy.endpoint };
        });
        after(async () => {
            await proxy?.close();
            await s3?.close();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        it('a store that lets the writer delete passes under "writers" and fails under "store"; the probe is gone', async () => {
            const w = await checkWriter(s3Probe(direct), "t/writer-check/probe-a", "writers");
            assert.equal(w.ok, true, w.lines.join("\n"));
            assert.deepEqual(await listObjects(direct, "t/writer-check/"), []);
            const s = await checkWriter(s3Probe(direct), "t/writer-check/probe-b", "store");
            assert.equal(s.ok, false);
            assert.ok(
                s.lines.some((l) => /delete .*: deleted/.test(l)),
                s.lines.join("\n"),
            );
        });

        it(
            'a store that refuses the delete passes under "store" and ' + 'fails under "writers"; the probe stays for the store to expire',
            async () => {
                const s = await checkWriter(s3Probe(refusing), "t/writer-check/probe-c", "store");
                assert.equal(s.ok, true, s.lines.join("\n"));
                assert.deepEqual(
                    (await listObjects(direct, "t/writer-check/")).map((o) => o.key),
                    ["t/writer-check/probe-c"],
                );
                const w = await checkWriter(s3Probe(refusing), "t/writer-check/probe-d", "writers");
                assert.equal(w.ok, false);
            },
        );

        it("a key the store does not know (a retired generation) fails at the put, naming the store's answer", async () => {
            const r = await checkWriter(
                s3Probe({ ...direct, accessKey: "RETIRED", secretKey: "RETIRED" }),
                "t/writer-check/probe-e",
                "store",
            );
            assert.equal(r.ok, false);
            assert.match(r.lines[0], /FAIL: the writer cannot put .*HTTP 403 (InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied)/);
        });
    });
});
