/** The infra layer's config: node counts, flavors, k3s releases and install, labels, overrides and agent pools. */
import * as assert from "node:assert/strict";
import { INSTALL_SCRIPT_SHA256 } from "../../infra/k3sInstall";
import { assertProblem, parse, refusals } from "../support/infraConfig";

describe("infra config validation", () => {
    refusals([
        ["an even server count (etcd quorum)", { serverCount: "2" }, /^data-platform:serverCount = 2: must be odd .*quorum/],
        ["a server count of zero", { serverCount: "0" }, /^data-platform:serverCount = 0: must be an integer between 1 and 7/],
        ["a negative agent count", { agentCount: "-1" }, /^data-platform:agentCount = -1: must be an integer >= 0/],
        ["a non-numeric agent count", { agentCount: "two" }, /^data-platform:agentCount = "two": must be a decimal integer/],
        ["a hexadecimal agent count", { agentCount: "0x2" }, /^data-platform:agentCount = "0x2": must be a decimal integer/],
        ["an exponent server count", { serverCount: "1e0" }, /^data-platform:serverCount = "1e0": must be a decimal integer/],
        ["an empty flavor", { serverFlavor: "" }, /^data-platform:serverFlavor = "": must not be empty; expected an OpenStack flavor name/],
        ["an unknown flavor", { agentFlavor: "m1.huge" }, /^data-platform:agentFlavor = "m1.huge": is not in the flavor table/],
        [
            "a k3s version without +k3sN",
            { k3sVersion: "v1.35.6" },
            new RegExp(
                /^data-platform:k3sVersion = "v1.35.6": is not a k3s release name \(vX.Y.Z\+k3sN.*known/.source +
                    / releases: v1.35.0\+k3s1, v1.35.6\+k3s1, v1.35.8\+k3s1 \(infra\/k3sReleases.ts/.source,
            ),
        ],
        ["a k3s version 'latest'", { k3sVersion: "latest" }, /^data-platform:k3sVersion = "latest": is not a k3s release name/],
        [
            "a k3s release the project does not know",
            { k3sVersion: "v1.35.99+k3s1" },
            new RegExp(
                /^data-platform:k3sVersion = "v1.35.99\+k3s1": is not a k3s release/.source +
                    / this project knows; known releases: v1.35.0\+k3s1, v1.35.6\+k3s1/.source,
            ),
        ],
        ["an invalid anti-affinity", { antiAffinity: "strict" }, /^data-platform:antiAffinity = "strict": must be one of "soft", "hard"/],
        [
            "a node label the kubelet refuses to set",
            { serverLabels: JSON.stringify({ "node-role.kubernetes.io/worker": "true" }) },
            /^data-platform:serverLabels.node-role.kubernetes.io\/worker = "true": is in the kubernetes.io\/k8s.io namespace.*kubelet/,
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
            "a bad flavor table entry",
            { flavors: JSON.stringify({ tiny: { vcpus: 0, ramMiB: 64 } }) },
            /^data-platform:flavors.tiny = .*must be \{vcpus: integer >= 1, ramMiB: integer >= 512\}/,
        ],
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
            "more instances than the quota",
            { agentCount: "20", instanceQuota: "20" },
            /^data-platform:agentPools = .*needs 21 instances, more than instanceQuota 20/,
        ],
        [
            "an availability zone that is not a name",
            { availabilityZones: JSON.stringify(["az 1"]) },
            /^data-platform:availabilityZones\[0\] = "az 1": must be an availability zone name/,
        ],
    ]);

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
            new RegExp(
                /needs 507 addresses, but subnetCidr 10.0.0.0\/23 leaves 506 for nodes/.source +
                    / \(510 host addresses minus the gateway, 2 DHCP ports, the API VIP\)/.source,
            ),
        );
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
            new RegExp(
                /^data-platform:k3sMirrorUrl = "http:\/\/m\/k3s": must be an https URL /.source +
                    /.*plain http is refused; a mirror with a private CA sets k3sMirrorCaCert/.source,
            ),
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
