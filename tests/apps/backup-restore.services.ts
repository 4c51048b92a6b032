/**
 * The off-site Postgres backup performed for real: a PostgreSQL with rows is dumped by the
 * CronJob's own dump script, uploaded and pruned by its own rclone script against a real
 * S3-compatible server (the `s3rver` npm package, a stand-in for Swift's S3 API / AWS S3; it
 * enforces no bucket policy, so "the writer cannot delete" is shown as "the writer sends no
 * delete", from the store's own event stream), then
 * restored by the documented restore script into a fresh PostgreSQL server and compared.
 *
 * Needs the Debian packages postgresql and rclone (bash .ci/run installs them).
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import S3rver, { S3Event } from "s3rver";
import {
    dumpScript,
    ObjectStore,
    PASSPHRASE_ENV,
    rclonePlainEnv,
    remotePath,
    restoreScript,
    uploadScript,
    vaultSetup,
} from "../../apps/backup/offsite";
import { freePort, PgServer, startPostgres } from "../../apps/todo/backend/test/pg-harness";
import { requireDebianPackage } from "../support/debian";
import { tempDir } from "../support/tempDir";

/** Runs a script with only `env` (and PATH); resolves with its stdout. */
function sh(script: string, env: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", script], {
            // A HOME of its own: rclone writes ~/.config/rclone even when its remotes come from the environment.
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tempDir("backup-home"), ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.once("error", reject);
        child.once("close", (code) =>
            code === 0 ? resolve(out) : reject(new Error(`script failed (${code}):\n${script}\n--- stderr ---\n${err}`)),
        );
    });
}

const ROWS = `
CREATE TABLE todos (id serial PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false, created timestamptz NOT NULL);
INSERT INTO todos (title, done, created)
  SELECT 'todo ' || i || ' ünïcødé', i % 3 = 0, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'
  FROM generate_series(1, 500) AS i;
CREATE INDEX todos_done ON todos (done);
CREATE VIEW open_todos AS SELECT id, title FROM todos WHERE NOT done;
`;
const SNAPSHOT =
    "SELECT md5(string_agg(id || '|' || title || '|' || done || '|' || created, ',' ORDER BY id)) || ' ' " +
    "|| count(*) FROM todos; SELECT count(*) FROM open_todos;";

describe("off-site Postgres backup: dump, upload, prune, restore (real PostgreSQL, real S3 API)", function () {
    this.timeout(120_000);
    let s3: S3rver;
    let s3Dir: string;
    let work: string;
    let source: PgServer;
    let target: PgServer;
    const store: ObjectStore = { endpoint: "", bucket: "platform-backups", region: "RegionOne" };
    let rclone: Record<string, string>;

    before(async function () {
        requireDebianPackage(this, "postgresql");
        requireDebianPackage(this, "rclone");
        s3Dir = tempDir("s3rver");
        work = tempDir("backup");
        const port = await freePort();
        s3 = new S3rver({
            address: "127.0.0.1",
            port,
            silent: true,
            directory: s3Dir,
            configureBuckets: [{ name: store.bucket, configs: [] }],
        });
        await s3.run();
        const s = { ...store, endpoint: `http://127.0.0.1:${port}` };
        Object.assign(store, s);
        rclone = {
            ...rclonePlainEnv(store),
            RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID: "S3RVER",
            RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY: "S3RVER",
            [PASSPHRASE_ENV]: "test-passphrase-0123456789abcdef",
        };
        // Both servers start together (initdb + start is most of this file's time); the target
        // stays empty until the restore test writes to it. allSettled: when one fails, the other
        // is still assigned, and removed by after().
        const [src, tgt] = await Promise.allSettled([startPostgres({ database: "todo" }), startPostgres({ database: "todo_restored" })]);
        if (src.status === "fulfilled") source = src.value;
        if (tgt.status === "fulfilled") target = tgt.value;
        for (const r of [src, tgt]) if (r.status === "rejected") throw r.reason;
        await sh(`psql -v ON_ERROR_STOP=1 -q -c "$SQL"`, { ...source.env(), SQL: ROWS });
    });

    after(async () => {
        await target?.destroy();
        await source?.destroy();
        await s3?.close();
        for (const dir of [s3Dir, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const prefix = "dev/postgres/todo";

    it("dumps and uploads with the CronJob's scripts; retention prunes only dumps past their age", async () => {
        // A dump from 30 days ago already in the bucket (rclone keeps a file's mtime as object metadata).
        const old = path.join(work, "old");
        fs.mkdirSync(old);
        fs.writeFileSync(path.join(old, "todo-20260101T000000Z.dump"), "stale");
        await sh(
            `touch -d '30 days ago' "${old}/todo-20260101T000000Z.dump" && rclone copy "${old}" "${remotePath(store, prefix)}"`,
            rclone,
        );

        const dumpDir = path.join(work, "dump");
        fs.mkdirSync(dumpDir);
        if (process.getuid?.() === 0) execFileSync("chmod", ["777", dumpDir]);
        await sh(dumpScript(dumpDir), source.env());
        const dumps = fs.readdirSync(dumpDir);
        assert.equal(dumps.length, 1);
        assert.match(dumps[0], /^todo-\d{8}T\d{6}Z\.dump$/);

        const removed: string[] = [];
        const onEvent = (e: S3Event) =>
            removed.push(...e.Records.filter((r) => r.eventName.startsWith("ObjectRemoved")).map((r) => r.s3.object.key));
        s3.on("event", onEvent);
        const out = await sh(uploadScript(store, prefix, 7, dumpDir), rclone).finally(() => s3.off("event", onEvent));
        // The store saw the writer delete (the test below relies on these events to show a writer that never does).
        assert.deepEqual(removed, [`${prefix}/todo-20260101T000000Z.dump`]);
        const listed = (await sh(`rclone lsf "${remotePath(store, prefix)}"`, rclone)).trim().split("\n");
        assert.deepEqual(listed, [`${dumps[0]}.bin`], `only the new, encrypted dump is left after pruning (upload log: ${out})`);
        // What the store holds is ciphertext: not the dump, no PostgreSQL custom-format header.
        const stored = path.join(work, "stored.bin");
        await sh(`rclone copyto "${remotePath(store, prefix)}/${dumps[0]}.bin" "${stored}"`, rclone);
        const plain = fs.readFileSync(path.join(dumpDir, dumps[0]));
        assert.equal(plain.subarray(0, 5).toString(), "PGDMP");
        assert.ok(!fs.readFileSync(stored).includes("PGDMP"), "encrypted before it left");
        assert.ok(!fs.readFileSync(stored).includes("open_todos"));
        // Through the key, it is the dump byte for byte.
        const copy = path.join(work, "copy.dump");
        await sh([...vaultSetup(store, prefix), `rclone copyto "vault:${dumps[0]}" "${copy}"`].join("\n"), rclone);
        assert.ok(fs.readFileSync(copy).equals(plain));
    });

    it("with pruning left to the store, the upload step sends no delete: an expired dump stays for the bucket's own expiry", async () => {
        const storePrefix = "dev/postgres/store-pruned";
        const old = path.join(work, "old-store");
        fs.mkdirSync(old);
        fs.writeFileSync(path.join(old, "todo-20260101T000000Z.dump"), "stale");
        await sh(
            `touch -d '30 days ago' "${old}/todo-20260101T000000Z.dump" && rclone copy "${old}" "${remotePath(store, storePrefix)}"`,
            rclone,
        );
        const events: string[] = [];
        const onEvent = (e: S3Event) => events.push(...e.Records.map((r) => `${r.eventName} ${r.s3.object.key}`));
        s3.on("event", onEvent);
        try {
            const script = uploadScript(store, storePrefix, undefined, path.join(work, "dump"));
            assert.doesNotMatch(script, /rclone (delete|purge|rmdirs|deletefile)/);
            await sh(script, rclone);
        } finally {
            s3.off("event", onEvent);
        }
        const listed = (await sh(`rclone lsf "${remotePath(store, storePrefix)}"`, rclone)).trim().split("\n").sort();
        assert.equal(listed.length, 2, listed.join(", "));
        assert.ok(listed.includes("todo-20260101T000000Z.dump"), "the old dump is the store's to expire");
        assert.ok(
            events.some((e) => e.startsWith("ObjectCreated")),
            events.join("\n"),
        );
        assert.deepEqual(
            events.filter((e) => e.startsWith("ObjectRemoved")),
            [],
            "no delete request reached the store",
        );
    });

    it("fails the upload step when the dump step left nothing (no empty success)", async () => {
        const empty = path.join(work, "empty");
        fs.mkdirSync(empty);
        await assert.rejects(sh(uploadScript(store, prefix, 7, empty), rclone), /no dump to upload/);
    });

    it("restores the newest dump into a fresh server: same rows, same view", async () => {
        const restoreDir = path.join(work, "restore");
        fs.mkdirSync(restoreDir);
        if (process.getuid?.() === 0) execFileSync("chmod", ["777", restoreDir]);
        const log = await sh(restoreScript(store, prefix, restoreDir), { ...rclone, ...target.env() });
        assert.match(log, /restored todo-\d{8}T\d{6}Z\.dump/);
        const query = (server: PgServer) => sh(`psql -At -c "$SQL"`, { ...server.env(), SQL: SNAPSHOT });
        const [before, after] = await Promise.all([query(source), query(target)]);
        assert.match(before, /^[0-9a-f]{32} 500\n\d+\n$/);
        assert.equal(after, before);
    });

    it("without the right passphrase nothing is restored", async () => {
        const dir = path.join(work, "wrong");
        fs.mkdirSync(dir);
        await assert.rejects(sh(restoreScript(store, prefix, dir), { ...rclone, [PASSPHRASE_ENV]: "another-passphrase", ...target.env() }));
        await assert.rejects(
            sh(restoreScript(store, prefix, dir), { ...rclone, [PASSPHRASE_ENV]: "", ...target.env() }),
            /BACKUP_PASSPHRASE is empty/,
        );
    });
});
