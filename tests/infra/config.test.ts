import * as assert from "node:assert/strict";
import { parseInfraConfig } from "../../infra/config";
import { INSTALL_SCRIPT_SHA256 } from "../../infra/k3sInstall";
import { configProblems } from "../support/config";
import { strictLookup } from "../../lib/config/reader";

/** A valid dev configuration as the raw strings Pulumi hands the program. */
const VALID: Record<string, string> = {
    environment: "dev",
    k3sVersion: "v1.35.6+k3s1",
    image: "Ubuntu 24.04",
    serverCount: "1",
    serverFlavor: "mb1.large",
    agentCount: "2",
    agentFlavor: "mb1.large",
    networkMode: "create",
    subnetCidr: "10.0.0.0/24",
    externalNetwork: "public",
    adminCidrs: JSON.stringify(["203.0.113.0/24"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey000000 admin",
    openstackAuthUrl: "https://keystone.example.org:5000/v3",
    cloudCredentialExpiresAt: "2031-03-31",
    worldOpenIngress: "true",
};

function parse(changes: Record<string, string | undefined>) {
    const values: Record<string, string | undefined> = { ...VALID, ...changes };
    return parseInfraConfig((k) => values[k], "data-platform", "stack test-infra");
}

function problems(changes: Record<string, string | undefined>): string[] {
    return configProblems(() => parse(changes));
}

function assertProblem(changes: Record<string, string | undefined>, expected: RegExp): void {
    const found = problems(changes);
    assert.ok(
        found.some((p) => expected.test(p)),
        `no problem matching ${expected} in:\n${found.join("\n")}`,
    );
}

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

    const cases: [string, Record<string, string | undefined>, RegExp][] = [
        ["an even server count (etcd quorum)", { serverCount: "2" }, /^data-platform:serverCount = 2: must be odd .*quorum/],
        [
            "a drain task bound as long as the drain's deadline",
            { drainTaskGraceMinutes: "20" },
            /^data-platform:drainTaskGraceMinutes = 20: must be less than readinessTimeoutMinutes \(20\): the whole drain must end within that deadline/,
        ],
        ["a server count of zero", { serverCount: "0" }, /^data-platform:serverCount = 0: must be an integer between 1 and 7/],
        ["a negative agent count", { agentCount: "-1" }, /^data-platform:agentCount = -1: must be an integer >= 0/],
        ["a non-numeric agent count", { agentCount: "two" }, /^data-platform:agentCount = "two": must be a decimal integer/],
        ["a hexadecimal agent count", { agentCount: "0x2" }, /^data-platform:agentCount = "0x2": must be a decimal integer/],
        ["an exponent server count", { serverCount: "1e0" }, /^data-platform:serverCount = "1e0": must be a decimal integer/],
        [
            "the same admin CIDR twice",
            { adminCidrs: JSON.stringify(["203.0.113.0/24", "203.0.113.0/24"]) },
            /^data-platform:adminCidrs\[1\] = "203.0.113.0\/24": repeats adminCidrs\[0\]/,
        ],
        [
            "the same NodePort twice",
            { adminNodePorts: JSON.stringify([30090, 30090]) },
            /^data-platform:adminNodePorts\[1\] = 30090: repeats adminNodePorts\[0\]/,
        ],
        [
            "the API opened to the world in two halves",
            { adminCidrs: JSON.stringify(["0.0.0.0/1", "128.0.0.0/1"]) },
            /^data-platform:adminCidrs = .*opens SSH and the Kubernetes API to \d+ public addresses \(a \/8 or more\)/,
        ],
        [
            "a public ingress without the opt-in",
            { worldOpenIngress: undefined },
            /^data-platform:ingressCidrs = \["0.0.0.0\/0"\]: opens HTTP\/HTTPS .*the default is 0.0.0.0\/0.*worldOpenIngress/,
        ],
        [
            "ingress open to a /7 of public space",
            { ingressCidrs: JSON.stringify(["4.0.0.0/7"]), worldOpenIngress: "false" },
            /^data-platform:ingressCidrs = .*opens HTTP\/HTTPS to 33554432 public addresses/,
        ],
        [
            "a CIDR with host bits",
            { subnetCidr: "10.0.0.1/24" },
            /^data-platform:subnetCidr = "10.0.0.1\/24": .*host bits are zero \(did you mean 10.0.0.0\/24\?\)/,
        ],
        [
            "a malformed CIDR",
            { subnetCidr: "10.0.0/33" },
            /^data-platform:subnetCidr = "10.0.0\/33": must be an IPv4 CIDR like 10.0.0.0\/24/,
        ],
        [
            "a bad admin CIDR",
            { adminCidrs: JSON.stringify(["300.1.1.0/24"]) },
            /^data-platform:adminCidrs\[0\] = "300.1.1.0\/24": must be an IPv4 CIDR/,
        ],
        [
            "an API open to the world",
            { adminCidrs: JSON.stringify(["0.0.0.0/0"]) },
            /^data-platform:adminCidrs = \["0.0.0.0\/0"\]: opens SSH and the Kubernetes API to \d+ public addresses/,
        ],
        ["no admin CIDR at all", { adminCidrs: JSON.stringify([]) }, /^data-platform:adminCidrs = \[\]: must list at least 1 item/],
        ["an empty flavor", { serverFlavor: "" }, /^data-platform:serverFlavor = "": must not be empty; expected an OpenStack flavor name/],
        ["an unknown flavor", { agentFlavor: "m1.huge" }, /^data-platform:agentFlavor = "m1.huge": is not in the flavor table/],
        [
            "a k3s version without +k3sN",
            { k3sVersion: "v1.35.6" },
            /^data-platform:k3sVersion = "v1.35.6": is not a k3s release name \(vX.Y.Z\+k3sN.*known releases: v1.35.0\+k3s1, v1.35.6\+k3s1, v1.35.8\+k3s1 \(infra\/k3sReleases.ts/,
        ],
        ["a k3s version 'latest'", { k3sVersion: "latest" }, /^data-platform:k3sVersion = "latest": is not a k3s release name/],
        [
            "a k3s release the project does not know",
            { k3sVersion: "v1.35.99+k3s1" },
            /^data-platform:k3sVersion = "v1.35.99\+k3s1": is not a k3s release this project knows; known releases: v1.35.0\+k3s1, v1.35.6\+k3s1/,
        ],
        [
            "a missing external network when a router must be created",
            { externalNetwork: undefined },
            /^data-platform:externalNetwork = \(unset\): is required when networkMode is "create"/,
        ],
        [
            "an unknown network mode",
            { networkMode: "bridge" },
            /^data-platform:networkMode = "bridge": must be one of "create", "existing"/,
        ],
        [
            "an existing network without a name",
            { networkMode: "existing", networkName: undefined },
            /^data-platform:networkName = \(unset\): is required/,
        ],
        ["an invalid anti-affinity", { antiAffinity: "strict" }, /^data-platform:antiAffinity = "strict": must be one of "soft", "hard"/],
        [
            "a wrong flannel backend",
            { flannelBackend: "host-gw" },
            /^data-platform:flannelBackend = "host-gw": must be one of "vxlan", "wireguard-native"/,
        ],
        ["a malformed SSH key", { sshPublicKey: "not-a-key" }, /^data-platform:sshPublicKey = "not-a-key": must be an OpenSSH public key/],
        [
            "a plain-text runner token",
            { ciRunnerRepository: "o/r", ciRunnerGithubToken: "github_pat_AABB" },
            /^data-platform:ciRunnerGithubToken = "\(not shown\)": holds a credential .* stored in plain text: .*pulumi config set --secret ciRunnerGithubToken/,
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
            "a subnet inside k3s' pod network",
            { subnetCidr: "10.42.0.0/24" },
            /^data-platform:subnetCidr = "10.42.0.0\/24": overlaps k3s' pod network 10.42.0.0\/16/,
        ],
        [
            "a subnet spanning k3s' service network",
            { subnetCidr: "10.0.0.0/8" },
            /^data-platform:subnetCidr = "10.0.0.0\/8": overlaps k3s' service network 10.43.0.0\/16/,
        ],
        [
            "a subnet in the link-local range (the metadata service's)",
            { subnetCidr: "169.254.10.0/24" },
            /^data-platform:subnetCidr = "169.254.10.0\/24": lies in 169.254.0.0\/16 \(link-local/,
        ],
        [
            "a loopback subnet",
            { subnetCidr: "127.0.0.0/24" },
            /^data-platform:subnetCidr = "127.0.0.0\/24": lies in 127.0.0.0\/8 \(loopback/,
        ],
        [
            "no DNS resolvers for the created subnet",
            { dnsNameservers: "[]" },
            /^data-platform:dnsNameservers = \[\]: must list at least 1 item/,
        ],
        [
            "a node label the kubelet refuses to set",
            { serverLabels: JSON.stringify({ "node-role.kubernetes.io/worker": "true" }) },
            /^data-platform:serverLabels.node-role.kubernetes.io\/worker = "true": is in the kubernetes.io\/k8s.io namespace.*kubelet/,
        ],
        [
            "an empty ingress list",
            { ingressCidrs: "[]" },
            /^data-platform:ingressCidrs = \[\]: is empty, which would leave the ingress reachable by nobody/,
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
            "an override of a node that does not exist",
            { nodeOverrides: JSON.stringify({ "agent-5": { image: "x" } }) },
            /^data-platform:nodeOverrides.agent-5 = .*names no node; use server-0..server-0 or agent-0..agent-1/,
        ],
        [
            "an override with an unknown field",
            { nodeOverrides: JSON.stringify({ "agent-0": { userData: "x" } }) },
            /^data-platform:nodeOverrides.agent-0 = .*may only set "image" and "flavor"/,
        ],
        [
            "a bad DNS server",
            { dnsNameservers: JSON.stringify(["dns.google"]) },
            /^data-platform:dnsNameservers\[0\] = "dns.google": must be an IPv4 address/,
        ],
        [
            "a Keystone URL that is not a URL",
            { openstackAuthUrl: "keystone" },
            /^data-platform:openstackAuthUrl = "keystone": must be the Keystone URL/,
        ],
        [
            "a bad flavor table entry",
            { flavors: JSON.stringify({ tiny: { vcpus: 0, ramMiB: 64 } }) },
            /^data-platform:flavors.tiny = .*must be \{vcpus: integer >= 1, ramMiB: integer >= 512\}/,
        ],
        [
            "a NodePort outside the NodePort range",
            { adminNodePorts: JSON.stringify([8080]) },
            /^data-platform:adminNodePorts = \[8080\]: must be a list of NodePorts between 30000 and 32767/,
        ],
        ["a non-boolean local-path switch", { localPathStorage: "yes" }, /^data-platform:localPathStorage = "yes": must be true or false/],
        [
            "an invalid node label",
            { agentLabels: JSON.stringify({ "bad key!": "x" }) },
            /^data-platform:agentLabels.bad key! = "x": must be a valid Kubernetes label key and value/,
        ],
        [
            "pre-pool keys beside agentPools",
            { agentPools: JSON.stringify({ default: { flavor: "mb1.large", count: 2 } }) },
            /^data-platform:agentCount = "\(set\)": cannot be set together with agentPools; move it into agentPools.default/,
        ],
        [
            "a pool name that is not a name",
            { agentCount: undefined, agentFlavor: undefined, agentPools: JSON.stringify({ Kafka_1: { flavor: "mb1.large", count: 1 } }) },
            /^data-platform:agentPools.Kafka_1 = .*is not a valid pool name/,
        ],
        [
            "a pool named like the servers",
            { agentCount: undefined, agentFlavor: undefined, agentPools: JSON.stringify({ server: { flavor: "mb1.large", count: 1 } }) },
            /^data-platform:agentPools.server = .*not "server" or "agent"/,
        ],
        [
            "a pool without a flavor",
            { agentCount: undefined, agentFlavor: undefined, agentPools: JSON.stringify({ kafka: { count: 1 } }) },
            /^data-platform:agentPools.kafka.flavor = \(unset\): is required/,
        ],
        [
            "a malformed taint",
            {
                agentCount: undefined,
                agentFlavor: undefined,
                agentPools: JSON.stringify({ kafka: { flavor: "mb1.large", count: 1, taints: ["dedicated=kafka"] } }),
            },
            /^data-platform:agentPools.kafka.taints\[0\] = "dedicated=kafka": must be a Kubernetes taint key\[=value\]:Effect/,
        ],
        [
            "maxUnavailable 0",
            {
                agentCount: undefined,
                agentFlavor: undefined,
                agentPools: JSON.stringify({ kafka: { flavor: "mb1.large", count: 1, maxUnavailable: 0 } }),
            },
            /^data-platform:agentPools.kafka.maxUnavailable = 0: must be an integer >= 1/,
        ],
        [
            "an unknown pool field",
            {
                agentCount: undefined,
                agentFlavor: undefined,
                agentPools: JSON.stringify({ kafka: { flavor: "mb1.large", count: 1, replicas: 2 } }),
            },
            /^data-platform:agentPools.kafka.replicas = 2: is not a pool setting/,
        ],
        [
            "more nodes than the subnet has addresses",
            { agentCount: "252" },
            /^data-platform:agentPools = .*needs 253 addresses, but subnetCidr 10.0.0.0\/24 leaves 251 for nodes \(254 host addresses minus the gateway, 2 DHCP ports\)/,
        ],
        [
            "more instances than the quota",
            { agentCount: "20", instanceQuota: "20" },
            /^data-platform:agentPools = .*needs 21 instances, more than instanceQuota 20/,
        ],
        [
            "an availability zone that is not a name",
            { availabilityZones: JSON.stringify(["az 1"]) },
            /^data-platform:availabilityZones\[0\] = "az 1": must be an availability zone name/,
        ],
    ];
    for (const [what, changes, expected] of cases) {
        it(`refuses ${what}`, () => assertProblem(changes, expected));
    }

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
            /^Invalid configuration for stack test-infra \(2 problems\):\n  - data-platform:serverCount = 4: .*\n  - data-platform:agentCount = -2: /,
        );
    });

    it("accepts private ranges however wide, and a public /9 without opt-in", () => {
        assert.doesNotThrow(() =>
            parse({
                adminCidrs: JSON.stringify(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]),
                ingressCidrs: JSON.stringify(["4.0.0.0/9"]),
                worldOpenIngress: undefined,
            }),
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

    it("reads the pre-pool keys as pool default and warns with the exact agentPools entry", () => {
        const cfg = parse({ agentImage: "Other Image" });
        assert.deepEqual(
            cfg.agentPools.map((p) => [p.name, p.flavor, p.count, p.image, p.maxUnavailable]),
            [["default", "mb1.large", 2, "Other Image", 1]],
        );
        assert.equal(cfg.warnings.length, 1);
        assert.match(cfg.warnings[0], /^data-platform:agentCount, data-platform:agentFlavor, data-platform:agentImage are deprecated/);
        assert.ok(
            cfg.warnings[0].includes('  data-platform:agentPools:\n    default: {"flavor":"mb1.large","count":2,"image":"Other Image"}'),
            cfg.warnings[0],
        );
        const pooled = parse({
            agentCount: undefined,
            agentFlavor: undefined,
            agentPools: JSON.stringify({
                default: { flavor: "mb1.large", count: 2 },
                kafka: { flavor: "mb1.xlarge", count: 3, taints: ["dedicated=kafka:NoSchedule"], maxUnavailable: 2 },
            }),
        });
        assert.deepEqual(pooled.warnings, []);
        assert.deepEqual(
            pooled.agentPools.map((p) => [p.name, p.count, p.taints, p.maxUnavailable, p.antiAffinity]),
            [
                ["default", 2, [], 1, "soft"],
                ["kafka", 3, ["dedicated=kafka:NoSchedule"], 2, "soft"],
            ],
        );
    });

    it("takes 3 servers and 200 agents in a /23, and the node cap from the subnet, not a fixed number", () => {
        const big = parse({
            serverCount: "3",
            subnetCidr: "10.0.0.0/23",
            agentCount: undefined,
            agentFlavor: undefined,
            agentPools: JSON.stringify({ default: { flavor: "mb1.large", count: 100 }, batch: { flavor: "mb1.large", count: 100 } }),
        });
        assert.equal(
            big.agentPools.reduce((n, p) => n + p.count, 0),
            200,
        );
        // 510 host addresses in a /23, less gateway, DHCP and VIP: 3 servers + 503 agents fit, 504 do not.
        assert.doesNotThrow(() => parse({ serverCount: "3", subnetCidr: "10.0.0.0/23", agentCount: "503" }));
        assertProblem(
            { serverCount: "3", subnetCidr: "10.0.0.0/23", agentCount: "504" },
            /needs 507 addresses, but subnetCidr 10.0.0.0\/23 leaves 506 for nodes \(510 host addresses minus the gateway, 2 DHCP ports, the API VIP\)/,
        );
    });

    it("accepts an existing network (the course's DHBW) without an external network", () => {
        const cfg = parse({ networkMode: "existing", networkName: "DHBW", externalNetwork: undefined });
        assert.deepEqual(cfg.network, { mode: "existing", name: "DHBW", externalNetwork: undefined });
    });

    it("k3sInstall: download by default; mirror needs k3sMirrorUrl; mirror keys only with mirror", () => {
        assert.deepEqual(parse({}).k3sInstall, { mode: "download" });
        assert.deepEqual(parse({ k3sInstall: "preinstalled" }).k3sInstall, { mode: "preinstalled" });
        assert.deepEqual(parse({ k3sInstall: "mirror", k3sMirrorUrl: "https://mirror.example.org/k3s" }).k3sInstall, {
            mode: "mirror",
            url: "https://mirror.example.org/k3s",
            installScriptSha256: INSTALL_SCRIPT_SHA256,
        });
        assertProblem(
            { k3sInstall: "airgap" },
            /^data-platform:k3sInstall = "airgap": must be one of "download", "mirror", "preinstalled"$/,
        );
        assertProblem({ k3sInstall: "mirror" }, /^data-platform:k3sMirrorUrl = \(unset\): is required with k3sInstall: mirror/);
        assertProblem({ k3sInstall: "mirror", k3sMirrorUrl: "ftp://x" }, /^data-platform:k3sMirrorUrl = "ftp:\/\/x": must be an https URL/);
        assertProblem(
            { k3sInstall: "mirror", k3sMirrorUrl: "http://m/k3s" },
            /^data-platform:k3sMirrorUrl = "http:\/\/m\/k3s": must be an https URL .*plain http is refused; a mirror with a private CA sets k3sMirrorCaCert/,
        );
        assertProblem(
            { k3sInstall: "mirror", k3sMirrorUrl: "https://m/k3s", k3sMirrorInstallScriptSha256: "abc" },
            /k3sMirrorInstallScriptSha256 = "abc": must be a sha256/,
        );
        assertProblem(
            { k3sMirrorUrl: "https://m/k3s" },
            /^data-platform:k3sMirrorUrl = "https:\/\/m\/k3s": only applies with k3sInstall: mirror \(k3sInstall is "download"\)$/,
        );
        assertProblem(
            { k3sInstall: "mirror", k3sMirrorUrl: "https://m/k3s", k3sMirrorCaCert: "not a certificate" },
            /k3sMirrorCaCert = "not a certificate": must be a PEM certificate/,
        );
    });
});
