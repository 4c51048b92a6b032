import * as assert from "node:assert/strict";
import {
    age,
    chooseSnapshot,
    continueCommand,
    lossText,
    restoreSteps,
    scheduleInterval,
    serverInstanceUrns,
    Snapshot,
    snapshotFromObject,
    snapshotTable,
} from "../../../delivery/restore/restore";
import { confirmationProblem } from "../../../delivery/deploy/confirmation";
import { parseListing, signRequest, sigV4 } from "../../../delivery/restore/s3List";

const FOLDER = "envx/etcd";
const T0 = 1_780_000_000; // unix seconds of the newest fixture snapshot
const snap = (node: string, t: number, ext = "") => snapshotFromObject(`${FOLDER}/etcd-snapshot-${node}-${t}${ext}`, FOLDER, 2048)!;
const SNAPS: Snapshot[] = [
    snap("envx-k3s-server-1-aa", T0 - 6 * 3600),
    snap("envx-k3s-server-0-bb", T0, ".zip"),
    snap("envx-k3s-server-2-cc", T0 - 12 * 3600),
];
const NOW = new Date((T0 + 2 * 3600 + 15 * 60) * 1000);

describe("delivery: restore planning (pure)", () => {
    it("reads k3s snapshot names inside the folder and ignores everything else there", () => {
        const s = snap("envx-k3s-server-0-bb", T0, ".zip");
        assert.equal(s.name, `etcd-snapshot-envx-k3s-server-0-bb-${T0}.zip`);
        assert.equal(s.takenAt.getTime(), T0 * 1000);
        assert.equal(snapshotFromObject(`${FOLDER}/.metadata/etcd-snapshot-n-${T0}`, FOLDER, 1), undefined, "k3s' metadata objects");
        assert.equal(snapshotFromObject(`other/etcd/etcd-snapshot-n-${T0}`, FOLDER, 1), undefined, "another folder");
        assert.equal(snapshotFromObject(`${FOLDER}/notes.txt`, FOLDER, 1), undefined, "no unix time");
        assert.equal(snapshotFromObject(`${FOLDER}/on-demand-n-${T0}`, FOLDER, 1)?.name, `on-demand-n-${T0}`, "on-demand snapshots count");
    });

    it("picks the newest, or the named one; refuses an unknown name listing what exists; refuses an empty folder", () => {
        const newest = chooseSnapshot(SNAPS, "s3://b/envx/etcd/");
        assert.ok("snapshot" in newest && newest.snapshot.name.endsWith(`${T0}.zip`));
        const named = chooseSnapshot(SNAPS, "s3://b/envx/etcd/", SNAPS[0].name);
        assert.ok("snapshot" in named && named.snapshot === SNAPS[0]);
        const unknown = chooseSnapshot(SNAPS, "s3://b/envx/etcd/", "etcd-snapshot-gone-1");
        assert.ok("problem" in unknown);
        assert.match(unknown.problem, /--snapshot etcd-snapshot-gone-1: no such snapshot in s3:\/\/b\/envx\/etcd\//);
        const listed = unknown.problem
            .split("\n")
            .slice(1)
            .map((l) => l.trim());
        assert.deepEqual(listed, [SNAPS[1].name, SNAPS[0].name, SNAPS[2].name], "newest first");
        const none = chooseSnapshot([], "s3://b/envx/etcd/");
        assert.ok("problem" in none && /No etcd snapshot in s3:\/\/b\/envx\/etcd\//.test(none.problem));
    });

    it("shows the snapshots newest first with their age, the chosen one marked", () => {
        const rows = snapshotTable(SNAPS, NOW, SNAPS[0].name).split("\n").slice(1);
        assert.equal(rows.length, 3);
        assert.match(rows[0], /^ {3}etcd-snapshot-envx-k3s-server-0-bb-\d+\.zip .* 2 h 15 min ago {2}2 KiB$/);
        assert.match(rows[1], /^-> etcd-snapshot-envx-k3s-server-1-aa-\d+ .* 8 h 15 min ago/);
        assert.equal(age(3 * 86400_000 + 4 * 3600_000), "3 d 4 h");
        assert.equal(age(40_000), "40 s");
    });

    it("states the RPO: time since the snapshot and the schedule's interval; warns when snapshots stopped", () => {
        assert.equal(scheduleInterval("0 */6 * * *"), 6 * 3600_000);
        assert.equal(scheduleInterval("*/30 * * * *"), 30 * 60_000);
        assert.equal(scheduleInterval("15 3 * * *"), 24 * 3600_000);
        assert.equal(scheduleInterval("0 1 * * 1"), undefined);
        const text = lossText(SNAPS[1], NOW, "0 */6 * * *");
        assert.match(text, /made after .* 2 h 15 min ago\./);
        assert.match(text, /"0 \*\/6 \* \* \*" \(etcdSnapshotSchedule\), every 6 h: the most/);
        assert.doesNotMatch(text, /older than two intervals/);
        assert.match(lossText(SNAPS[2], NOW, "0 */4 * * *"), /older than two intervals/);
        assert.doesNotMatch(lossText(SNAPS[2], NOW, "0 1 * * 1"), /, every /, "an interval it cannot read is not guessed");
    });

    it("finds the servers in the state, server-0 first, agents left out", () => {
        const inst = (name: string, role?: string) => ({
            urn: `urn:pulumi:s::p::platform:infra:K3sCluster$platform:infra:K3sNode$openstack:compute/instance:Instance::${name}`,
            type: "openstack:compute/instance:Instance",
            inputs: role ? { metadata: { role } } : {},
        });
        const urns = serverInstanceUrns([
            inst("e-k3s-server-2", "server"),
            inst("e-k3s-agent-0", "agent"),
            inst("e-k3s-server-0", "server"),
            inst("e-k3s-server-1"),
            { urn: "urn:x::e-k3s-server-0-port", type: "openstack:networking/port:Port" },
        ]);
        assert.deepEqual(
            urns.map((u) => u.split("::").pop()),
            ["e-k3s-server-0", "e-k3s-server-1", "e-k3s-server-2"],
        );
    });

    it("plans config → replace (undrained) → wait → clear → settle → refresh, each with its command by hand", () => {
        const steps = restoreSteps({
            infraStack: "e-infra",
            upperStacks: ["e-cluster", "e-apps"],
            snapshot: "etcd-snapshot-n-1",
            serverUrns: ["u0", "u1"],
        });
        assert.deepEqual(
            steps.map((s) => s.id),
            ["config", "replace", "wait", "clear", "settle", "refresh"],
        );
        assert.equal(steps[0].manual, "pulumi config set restoreFromSnapshot etcd-snapshot-n-1 --stack e-infra");
        assert.equal(steps[1].manual, "PLATFORM_SKIP_DRAIN=forget pulumi up --stack e-infra --yes --replace 'u0' --replace 'u1'");
        assert.equal(steps[3].manual, "pulumi config rm restoreFromSnapshot --stack e-infra");
        assert.equal(steps[5].manual, "pulumi refresh --stack e-cluster --yes && pulumi refresh --stack e-apps --yes");
        assert.equal(
            continueCommand("prodx", "etcd-snapshot-n-1", "wait", "prodx"),
            "npm run restore -- prodx --snapshot etcd-snapshot-n-1 --from wait --yes --confirm-env prodx",
        );
    });

    it("a production environment needs --confirm-env, like up and down", () => {
        assert.match(
            confirmationProblem({ env: "prod", action: "restore", isTTY: true, yes: false, previewOnly: false })!,
            /restore needs the second confirmation --confirm-env prod \(e\.g\. npm run restore -- prod --confirm-env prod\)/,
        );
        assert.equal(
            confirmationProblem({ env: "prod", action: "restore", isTTY: true, yes: false, confirmEnv: "prod", previewOnly: false }),
            undefined,
        );
    });
});

describe("delivery: the S3 client's signing and listing (pure)", () => {
    it("signs AWS' published SigV4 example (GET Bucket, list objects) to its published signature", () => {
        // AWS S3 API reference, "Signature Calculations for the Authorization Header", example GET Bucket.
        const h = sigV4(
            {
                method: "GET",
                host: "examplebucket.s3.amazonaws.com",
                path: "/",
                canonicalQuery: "max-keys=2&prefix=J",
                payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                amzDate: "20130524T000000Z",
            },
            { region: "us-east-1", accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
        );
        assert.equal(
            h.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, " +
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        );
    });

    it("signs path-style: the bucket in the path, the query sorted and encoded", () => {
        const req = signRequest(
            {
                endpoint: "https://s3.amazonaws.com",
                bucket: "examplebucket",
                region: "us-east-1",
                accessKey: "AKIAIOSFODNN7EXAMPLE",
                secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            },
            "GET",
            "",
            { "max-keys": "2", prefix: "J" },
            Buffer.alloc(0),
            new Date("2013-05-24T00:00:00Z"),
        );
        assert.equal(req.url, "https://s3.amazonaws.com/examplebucket/?max-keys=2&prefix=J");
        assert.match(
            req.headers.authorization,
            new RegExp(
                /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/us-east-1\/s3\/aws4_request, /.source +
                    /SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/.source,
            ),
        );
    });

    it("reads a truncated ListObjectsV2 page and its continuation token", () => {
        const xml =
            `<ListBucketResult><IsTruncated>true</IsTruncated>` +
            `<Contents><Key>a/b&amp;c</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><Size>12</Size></Contents>` +
            `<NextContinuationToken>tok/1=</NextContinuationToken></ListBucketResult>`;
        assert.deepEqual(parseListing(xml), {
            objects: [{ key: "a/b&c", lastModified: new Date("2026-01-02T03:04:05Z"), size: 12 }],
            nextToken: "tok/1=",
        });
        assert.deepEqual(parseListing("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"), { objects: [] });
    });
});
