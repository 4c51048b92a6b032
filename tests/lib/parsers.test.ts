/** The config value parsers (cron, SSH keys, image references, stack-file notations, consistency, k3s flags). */
import * as assert from "node:assert/strict";
import { cronSchedule } from "../../lib/config/cron";
import { sshPublicKey } from "../../lib/config/sshKey";
import { pinnedImage } from "../../lib/config/imageRef";
import { notationProblems } from "../../lib/config/notation";
import { crossEnvironmentReference, environmentMismatch, leftovers } from "../../lib/config/consistency";
import { k3sConfigProblems } from "../../infra/k3sFlags";
import { K3S_RELEASES, knownK3sRelease } from "../../infra/k3sReleases";
import { ecdsaKey, ed25519Key, rsaKey } from "../support/sshKeys";

describe("config parsers: cron schedules", () => {
    it("accepts steps, ranges, lists and names", () => {
        for (const ok of [
            "0 */6 * * *",
            "15 2 * * *",
            "0 0 29 2 *",
            "*/5 9-17 * * mon-fri",
            "0 0 1,15 jan,jul *",
            "30 4 * * 7",
            "0 0 31 1-12 *",
            "0 12 30 2 1",
        ]) {
            assert.equal(cronSchedule(ok), undefined, ok);
        }
    });

    it("refuses out-of-range fields, bad steps, wrong field counts and schedules that never fire, naming the field", () => {
        const cases: [string, RegExp][] = [
            ["hourly", /got 1 field/],
            ["0 */6 * * * *", /got 6 field/],
            ["60 * * * *", /minute field "60": 60 is outside 0-59/],
            ["0 24 * * *", /hour field "24": 24 is outside 0-23/],
            ["0 0 0 * *", /day of month field "0": 0 is outside 1-31/],
            ["0 0 * 13 *", /month field "13"/],
            ["0 0 * * 8", /day of week field "8"/],
            ["*/0 * * * *", /step "\/0" must be a whole number >= 1/],
            ["0 5-1 * * *", /range 5-1 runs backwards/],
            ["0 0 * * funday", /"funday" is not a number or a day of week name/],
            ["0 0 30 2 *", /never fires: day 30 does not exist in month 2/],
            ["0 0 31 4,6,9,11 *", /never fires/],
        ];
        for (const [bad, why] of cases) assert.match(cronSchedule(bad) ?? "", why, bad);
    });
});

describe("config parsers: SSH public keys", () => {
    it("accepts real ed25519, ECDSA and RSA >= 2048 keys", () => {
        assert.equal(sshPublicKey(ed25519Key()), undefined);
        assert.equal(sshPublicKey(ecdsaKey()), undefined);
        assert.equal(sshPublicKey(rsaKey(2048)), undefined);
    });

    it("refuses short RSA, DSA, truncated keys, header/body mismatches and two keys pasted together", () => {
        assert.match(sshPublicKey(rsaKey(1024)) ?? "", /RSA key of 1024 bits; RSA keys must have at least 2048 bits/);
        assert.match(sshPublicKey("ssh-dss AAAAB3NzaC1kc3M= x") ?? "", /DSA key/);
        const [type, body] = ed25519Key().split(" ");
        assert.match(sshPublicKey(`${type} ${body.slice(0, 60)}`) ?? "", /truncated|not complete base64/);
        assert.match(sshPublicKey(`ssh-rsa ${body}`) ?? "", /says "ssh-rsa" but its key body is a "ssh-ed25519" key/);
        const blob = Buffer.concat([Buffer.from(body, "base64"), Buffer.from(body, "base64")]).toString("base64");
        assert.match(sshPublicKey(`${type} ${blob}`) ?? "", /byte\(s\) after the key material/);
        assert.match(sshPublicKey("ssh-ed25519") ?? "", /must be an OpenSSH public key/);
        assert.match(sshPublicKey("ssh-foo AAAA") ?? "", /key type "ssh-foo"/);
    });
});

describe("config parsers: image references", () => {
    it("accepts registry/name:version and digests", () => {
        for (const ok of [
            "ghcr.io/acme/app:20240101",
            "postgres:17.6",
            "ghcr.io/acme/todo-backend:0.1.0",
            "postgres:17.6-bookworm",
            "registry.k8s.io/ingress-nginx/controller:v1.15.1",
            "localhost:5000/a/b:1.0",
            `nginx@sha256:${"a".repeat(64)}`,
            `ghcr.io/o/x:1.2@sha256:${"b".repeat(64)}`,
            "ghcr.io/o/x:sha-1a2b3c4",
        ]) {
            assert.equal(pinnedImage(ok), undefined, ok);
        }
    });

    it("refuses untagged, latest, floating word tags, bare numbers, bad digests and uppercase names", () => {
        const cases: [string, RegExp][] = [
            ["alpine", /has no tag/],
            ["ghcr.io/acme/app:latest", /"latest" is not allowed/],
            ["node:alpine", /floating tag "alpine"/],
            ["nginx:stable", /floating tag "stable"/],
            ["42", /bare number/],
            ["3.14", /bare number/],
            ["nginx@sha256:abc", /digest "sha256:abc"/],
            ["ghcr.io/Acme/app:1.0", /name component "Acme"/],
            ["ghcr.io/acme/app:-1", /tag "-1"/],
            [" nginx:1.0", /no spaces/],
            ["postgres:17", /major-version tag "17".*moves with every minor and patch release/],
            ["docker.io/library/python:3-slim", /major-version tag "3-slim"/],
            ["ghcr.io/acme/app:v2", /major-version tag "v2"/],
        ];
        for (const [bad, why] of cases) assert.match(pinnedImage(bad) ?? "", why, bad);
    });
});

describe("config parsers: stack-file number notations", () => {
    it("refuses 0x10, 1e3, 010, 1_000 and floats where YAML converts silently; quoted and plain decimals pass", () => {
        const text = [
            "config:",
            "  p:agentCount: 0x10",
            "  p:nfsVolumeSizeGb: 1e3",
            "  p:serverCount: 010",
            "  p:kafkaStorageGi: 1_000",
            '  p:quoted: "0x10"',
            "  p:plain: 12",
            "  p:cidr: 10.0.0.0/24",
            "  p:version: 4.3.1",
            "  p:backupStore:",
            "    retention: 0o7",
        ].join("\n");
        const found = notationProblems(text, "p").map((x) => `${x.key}=${x.written}`);
        assert.deepEqual(found, [
            "p:agentCount=0x10",
            "p:nfsVolumeSizeGb=1e3",
            "p:serverCount=010",
            "p:kafkaStorageGi=1_000",
            "p:backupStore.retention=0o7",
        ]);
        assert.match(
            notationProblems("config:\n  p:agentCount: 0x10\n", "p")[0].message,
            /which YAML may read as the number 16: write the plain decimal, quoted \("16"\)/,
        );
    });
});

describe("config parsers: consistency across stacks", () => {
    it("environment vs stack name, references to another environment, leftovers of a copied file", () => {
        assert.equal(environmentMismatch("prod-infra", "infra", "prod"), undefined);
        assert.match(
            environmentMismatch("prod-infra", "infra", "dev") ?? "",
            /does not match the stack name prod-infra \(environment "prod"\): set environment: prod/,
        );
        assert.equal(crossEnvironmentReference("prod-infra", "infra", "prod"), undefined);
        assert.match(
            crossEnvironmentReference("dev-infra", "infra", "prod") ?? "",
            /names environment "dev"'s stack from environment "prod"/,
        );
        assert.match(crossEnvironmentReference("infra", "infra", "prod") ?? "", /must name this environment's infra stack, "prod-infra"/);
        const found = leftovers(
            {
                bucket: "platform-dev-backups",
                host: "airflow.dev.example.org",
                own: "platform-prod-eu-backups",
                clean: "devops.example.org",
            },
            "prod-eu",
            ["dev", "prod", "prod-eu"],
        );
        assert.deepEqual(found, [
            ["bucket", "dev"],
            ["host", "dev"],
        ]);
    });
});

describe("k3s: release table and config keys", () => {
    it("knows its releases; checksums are sha256 hex where recorded", () => {
        assert.equal(knownK3sRelease("v1.35.6+k3s1"), undefined);
        assert.match(knownK3sRelease("v1.35.7+k3s1") ?? "", /not a k3s release this project knows/);
        for (const [v, r] of Object.entries(K3S_RELEASES)) {
            assert.match(v, /^v\d+\.\d+\.\d+\+k3s\d+$/);
            if (r.sha256 !== undefined) assert.match(r.sha256, /^[0-9a-f]{64}$/, v);
        }
    });

    it("refuses a rendered key k3s would skip and a kubelet argument the component does not know", () => {
        assert.deepEqual(k3sConfigProblems({ "node-taint": ["a=b:NoSchedule"], "kubelet-arg": ["cloud-provider=external"] }, "agent"), []);
        assert.match(k3sConfigProblems({ "etcd-s3-bukket": "x" }, "server")[0], /"etcd-s3-bukket" is not a flag of the pinned k3s/);
        assert.match(k3sConfigProblems({ "cluster-init": true }, "agent")[0], /k3s agent config key "cluster-init"/);
        assert.match(k3sConfigProblems({ "kubelet-arg": ["cloud-providr=external"] }, "agent")[0], /--cloud-providr is not a flag/);
        assert.match(k3sConfigProblems({ "kube-apiserver-arg": ["audit-log-path"] }, "server")[0], /must be "flag=value"/);
    });
});

describe("config parsers: placeholders", () => {
    it("finds documentation ranges, example domains, fake keys and CHANGEME values, in structures too; real values pass", async () => {
        const { placeholders } = await import("../../lib/config/placeholders");
        const found = placeholders({
            "p:adminCidrs": JSON.stringify(["198.51.100.0/24", "10.1.0.0/16"]),
            "p:openstackAuthUrl": "https://keystone.example.org:5000/v3",
            "p:todoHost": "todo.dev.example.org",
            "p:grafanaHost": "grafana.lab.test",
            "p:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey000000 x",
            "p:backupStore": JSON.stringify({ endpoint: "https://object.example.org", bucket: "b" }),
            "p:acmeEmail": "CHANGEME@corp.io",
            "p:realHost": "airflow.data.corp.io",
            "p:realCidr": JSON.stringify(["81.2.69.0/24"]),
            "p:worldOpen": JSON.stringify(["0.0.0.0/0"]),
            "p:image": "Ubuntu 24.04",
        }).map((p) => p.key);
        assert.deepEqual(found, [
            "p:adminCidrs[0]",
            "p:openstackAuthUrl",
            "p:todoHost",
            "p:grafanaHost",
            "p:sshPublicKey",
            "p:backupStore.endpoint",
            "p:acmeEmail",
        ]);
    });
});
