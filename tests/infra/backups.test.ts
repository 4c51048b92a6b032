import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { etcdS3Settings } from "../../infra/etcdS3";
import type { SynthResult } from "../../delivery/synth/synth";
import { configProblems, parseInfraWith } from "../support/config";
import { byName, ofType, synth } from "../support/synth";

const parseWith = (changes: Record<string, string | undefined>) =>
    parseInfraWith(changes, ["backupStoreAccessKey", "backupStoreSecretKey"]);

describe("off-site etcd snapshots (infra)", () => {
    it("backupStore is optional and validated field by field, naming what is allowed", () => {
        assert.equal(parseWith({}).backupStore, undefined);
        const created = parseWith({
            backupStore: JSON.stringify({ endpoint: "https://object.example.org/", bucket: "platform-backups", create: true }),
        }).backupStore;
        assert.deepEqual(created, {
            endpoint: "https://object.example.org",
            bucket: "platform-backups",
            region: "RegionOne",
            create: true,
            accessKey: undefined,
            secretKey: undefined,
            credentials: [{ generation: 1, owner: "deployer" }],
            ownerPassword: undefined,
            pruning: "writers",
        });
        const found = configProblems(() =>
            parseWith({ backupStore: JSON.stringify({ endpoint: "s3.example.org", bucket: "Bad_Bucket", create: "yes", extra: 1 }) }),
        );
        for (const key of ["backupStore.endpoint", "backupStore.bucket", "backupStore.create", "backupStore.extra"]) {
            assert.ok(
                found.some((p) => p.includes(`data-platform:${key}`)),
                `${key} reported in ${found.join("\n")}`,
            );
        }
        const given = configProblems(() =>
            parseWith({ backupStore: JSON.stringify({ endpoint: "https://s3.example.org", bucket: "b-1", create: false }) }),
        );
        assert.ok(
            given.some((p) => /backupStoreAccessKey.*pulumi config set --secret/.test(p)),
            given.join("\n"),
        );
        assert.equal(
            parseWith({
                backupStore: JSON.stringify({ endpoint: "https://s3.example.org", bucket: "b-1" }),
                backupStoreAccessKey: "a",
                backupStoreSecretKey: "s",
            }).backupStore?.accessKey,
            "a",
        );
    });

    it("renders k3s' etcd-s3 settings: host without scheme, insecure only for http", () => {
        const creds = { accessKey: "AK", secretKey: "SK" };
        const s = etcdS3Settings({ endpoint: "https://object.example.org:8443", bucket: "b", region: "r", folder: "prod/etcd" }, creds);
        assert.deepEqual(s, {
            "etcd-s3": true,
            "etcd-s3-endpoint": "object.example.org:8443",
            "etcd-s3-bucket": "b",
            "etcd-s3-region": "r",
            "etcd-s3-folder": "prod/etcd",
            "etcd-s3-access-key": "AK",
            "etcd-s3-secret-key": "SK",
        });
        assert.equal(
            etcdS3Settings({ endpoint: "http://minio:9000", bucket: "b", region: "r", folder: "f" }, creds)["etcd-s3-insecure"],
            true,
        );
    });

    describe("prod-infra synth", () => {
        let prod: SynthResult;
        before(async () => {
            prod = await synth("prod-infra");
        });

        it("creates a protected, retained Swift container and an EC2 credential, published as a secret output", () => {
            const container = byName(prod, "prod-k3s-backups-container");
            assert.equal(container.inputs.name, "platform-prod-backups");
            assert.equal(container.options.protect, true);
            assert.equal(container.options.retainOnDelete, true);
            assert.equal(container.inputs.forceDestroy, false);
            assert.equal(ofType(prod, "openstack:identity/ec2CredentialV3:Ec2CredentialV3").length, 1);
            const out = prod.outputs.backupStore as { "@secret": Record<string, string> };
            assert.ok(out["@secret"], "backupStore output is secret");
            assert.equal(out["@secret"].accessKey, "synth-placeholder-ec2-access-prod-k3s-backups-ec2-credential");
        });

        it("every server (not agent) snapshots etcd to the store under <env>/etcd with the created credential", () => {
            for (const instance of ofType(prod, "openstack:compute/instance:Instance")) {
                const cc = parse((instance.inputs.userData as { "@secret": string })["@secret"].replace(/^#cloud-config\n/, "")) as {
                    write_files: { path: string; content: string }[];
                };
                const k3s = parse(cc.write_files.find((f) => f.path === "/etc/rancher/k3s/config.yaml")!.content) as Record<
                    string,
                    unknown
                >;
                const role = (instance.inputs.metadata as Record<string, string>).role;
                if (role === "agent") {
                    assert.equal(k3s["etcd-s3"], undefined);
                    continue;
                }
                assert.equal(k3s["etcd-s3"], true);
                assert.equal(k3s["etcd-s3-endpoint"], "object.example.org");
                assert.equal(k3s["etcd-s3-bucket"], "platform-prod-backups");
                assert.equal(k3s["etcd-s3-folder"], "prod/etcd");
                assert.equal(k3s["etcd-s3-secret-key"], "synth-placeholder-ec2-secret-prod-k3s-backups-ec2-credential");
                assert.equal(k3s["etcd-snapshot-retention"], 28);
            }
        });
    });
});
