/** The infra layer's config reader: defaults, plain-text credentials, schedules, keys and how problems are reported. */
import * as assert from "node:assert/strict";
import { parseInfraConfig } from "../../infra/config";
import { configProblems } from "../support/config";
import { strictLookup } from "../../lib/config/reader";
import { parse, problems, refusals, VALID } from "../support/infraConfig";

describe("infra config validation", () => {
    it("accepts the valid baseline and fills defaults", () => {
        const cfg = parse({});
        assert.equal(cfg.servers.count, 1);
        assert.equal(cfg.agentPools[0].count, 2);
        assert.equal(cfg.antiAffinity, "soft");
        assert.equal(cfg.flannelBackend, "vxlan");
        assert.deepEqual(cfg.ingressCidrs, ["0.0.0.0/0"]);
        assert.deepEqual(cfg.network, {
            mode: "create",
            cidr: "10.0.0.0/24",
            externalNetwork: "public",
            dnsNameservers: ["1.1.1.1", "9.9.9.9"],
        });
    });

    refusals([
        [
            "a drain task bound as long as the drain's deadline",
            { drainTaskGraceMinutes: "20" },
            new RegExp(
                /^data-platform:drainTaskGraceMinutes = 20: must be less than /.source +
                    /readinessTimeoutMinutes \(20\): the whole drain must end within that deadline/.source,
            ),
        ],
        ["a malformed SSH key", { sshPublicKey: "not-a-key" }, /^data-platform:sshPublicKey = "not-a-key": must be an OpenSSH public key/],
        [
            "a plain-text runner token",
            { ciRunnerRepository: "o/r", ciRunnerGithubToken: "github_pat_AABB" },
            new RegExp(
                /^data-platform:ciRunnerGithubToken = "\(not shown\)": holds a credential /.source +
                    /.* stored in plain text: .*pulumi config set --secret ciRunnerGithubToken/.source,
            ),
        ],
        [
            "a plain-text cloud credential secret",
            { cloudControllerCredentialId: "a".repeat(32), cloudControllerCredentialSecret: "s3cr3t" },
            /^data-platform:cloudControllerCredentialSecret = "\(not shown\)": holds a credential .*plain text/,
        ],
        [
            "a plain-text backup secret key",
            {
                backupStore: JSON.stringify({ endpoint: "https://s3.example.org", bucket: "b-1", region: "r", create: false }),
                backupStoreAccessKey: "AK",
                backupStoreSecretKey: "SK",
            },
            /^data-platform:backupStoreSecretKey = "\(not shown\)": holds a credential .*plain text/,
        ],
        [
            "a backup credential the created bucket does not use",
            {
                backupStore: JSON.stringify({ endpoint: "https://s3.example.org", bucket: "b-1", region: "r", create: true }),
                backupStoreSecretKey: "SK",
            },
            /^data-platform:backupStoreSecretKey = "\(secret\)": is set but not used: backupStore.create is true/,
        ],
        [
            "a runner token without a runner",
            { ciRunnerGithubToken: "github_pat_AABB" },
            /^data-platform:ciRunnerGithubToken = "\(secret\)": is set but not used: no ciRunnerRepository/,
        ],
        [
            "a missing environment",
            { environment: undefined },
            /^data-platform:environment = \(unset\): is required; set it with `pulumi config set data-platform:environment/,
        ],
        [
            "a bad snapshot schedule",
            { etcdSnapshotSchedule: "hourly" },
            /^data-platform:etcdSnapshotSchedule = "hourly": must be a 5-field cron schedule "minute hour day-of-month month day-of-week"/,
        ],
        [
            "a snapshot minute out of range",
            { etcdSnapshotSchedule: "60 * * * *" },
            /^data-platform:etcdSnapshotSchedule = "60 \* \* \* \*": minute field "60": 60 is outside 0-59/,
        ],
        [
            "a snapshot schedule that never fires",
            { etcdSnapshotSchedule: "0 0 30 2 *" },
            /etcdSnapshotSchedule = "0 0 30 2 \*": never fires: day 30 does not exist in month 2/,
        ],
        [
            "a truncated SSH key",
            { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey00000 admin" },
            /^data-platform:sshPublicKey = .*not complete base64.*cut when copied/,
        ],
        [
            "a DSA key",
            { sshPublicKey: "ssh-dss AAAAB3NzaC1kc3MAAACBAP admin" },
            /^data-platform:sshPublicKey = .*is a DSA key, which OpenSSH no longer accepts: generate one with `ssh-keygen -t ed25519`/,
        ],
        [
            "a Keystone URL that is not a URL",
            { openstackAuthUrl: "keystone" },
            /^data-platform:openstackAuthUrl = "keystone": must be the Keystone URL/,
        ],
        ["a non-boolean local-path switch", { localPathStorage: "yes" }, /^data-platform:localPathStorage = "yes": must be true or false/],
    ]);

    it("reports several problems together, in one error", () => {
        const found = problems({ serverCount: "4", agentCount: "-2", subnetCidr: "10.0.0.5/9", k3sVersion: "1.35", serverFlavor: "" });
        assert.equal(found.length, 5, found.join("\n"));
        let message = "";
        try {
            parse({ serverCount: "4", agentCount: "-2" });
        } catch (err) {
            message = (err as Error).message;
        }
        assert.match(
            message,
            new RegExp(
                /^Invalid configuration for stack test-infra \(2 problems\):\n  - /.source +
                    /data-platform:serverCount = 4: .*\n  - data-platform:agentCount = -2: /.source,
            ),
        );
    });

    it("refuses unknown and misspelled keys with the file and a did-you-mean, foreign namespaces too", () => {
        const values: Record<string, string> = { ...VALID, flanelBackend: "wireguard-native", localPathStorge: "false" };
        const keys = [
            ...Object.keys(values).map((k) => `data-platform:${k}`),
            "data-platform:layer",
            "openstack:region",
            "data-platfrom:agentCount",
            "aws:region",
        ];
        const found = configProblems(() =>
            parseInfraConfig(
                strictLookup(
                    (k) => values[k],
                    () => keys,
                    "stacks/Pulumi.test-infra.yaml",
                ),
                "data-platform",
                "stack test-infra",
            ),
        );
        assert.deepEqual(found, [
            "data-platform:flanelBackend = (set in stacks/Pulumi.test-infra.yaml): is not a setting of this " +
                "layer; did you mean data-platform:flannelBackend? (remove it in stacks/Pulumi.test-infra.yaml)",
            "data-platform:localPathStorge = (set in stacks/Pulumi.test-infra.yaml): is not a setting of this " +
                "layer; did you mean data-platform:localPathStorage? (remove it in stacks/Pulumi.test-infra.yaml)",
            'data-platfrom:agentCount = (set in stacks/Pulumi.test-infra.yaml): is in namespace "data-platfrom", ' +
                "which nothing here reads; did you mean data-platform:agentCount? (allowed: data-platform:, " +
                "openstack:, kubernetes:, pulumi:, random:, tls:, command:)",
            'aws:region = (set in stacks/Pulumi.test-infra.yaml): is in namespace "aws", which nothing here ' +
                "reads (allowed: data-platform:, openstack:, kubernetes:, pulumi:, random:, tls:, command:)",
        ]);
    });
});
