import * as assert from "node:assert/strict";
import { checkAll, noPlaintextSecrets, noWorldOpenAdminPorts, pinnedImages, ResourceLike, unpinnedImage } from "../../policy/rules";
import { synth } from "../support/synth";

const deployment = (containers: Record<string, unknown>[], initContainers: Record<string, unknown>[] = []): ResourceLike => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "web",
    inputs: { metadata: { name: "web" }, spec: { template: { spec: { containers, initContainers } } } },
});
const rule = (inputs: Record<string, unknown>): ResourceLike => ({
    type: "openstack:networking/secGroupRule:SecGroupRule",
    name: "r",
    inputs: { direction: "ingress", ethertype: "IPv4", ...inputs },
});
const release = (values: Record<string, unknown>, version = "1.2.3"): ResourceLike => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "rel",
    inputs: { chart: "x", version, values },
});

describe("policy: pinned images", () => {
    it("accepts version tags and digests, refuses latest and untagged", () => {
        assert.equal(unpinnedImage("nginx:1.27.1"), undefined);
        assert.equal(unpinnedImage("registry:5000/team/app:2.0.0"), undefined);
        assert.equal(unpinnedImage(`app@sha256:${"a".repeat(64)}`), undefined);
        assert.match(unpinnedImage("nginx:latest")!, /latest/);
        assert.match(unpinnedImage("nginx")!, /no tag/);
        assert.match(unpinnedImage("registry:5000/team/app")!, /no tag/);
    });

    it("refuses what the config reader refuses: major-only and versionless tags", () => {
        assert.match(unpinnedImage("postgres:17")!, /major-version tag "17"/);
        assert.match(unpinnedImage("python:3-slim")!, /major-version tag "3-slim"/);
        assert.match(unpinnedImage("alpine:edge")!, /floating tag "edge"/);
        assert.equal(unpinnedImage("postgres:17.6-bookworm"), undefined);
        const release: ResourceLike = {
            type: "kubernetes:helm.sh/v3:Release",
            name: "r",
            inputs: {
                chart: "c",
                version: "1.0.0",
                values: { image: { repository: "redis", tag: "7" }, sidecar: { repository: "x", tag: "1.2.3" } },
            },
        };
        assert.deepEqual(
            pinnedImages(release).map((m) => m.split(" has ")[0]),
            ["r: values.image.tag = 7"],
        );
    });

    it("checks every container of a workload, init containers too", () => {
        assert.deepEqual(pinnedImages(deployment([{ name: "app", image: "app:1.0.0" }])), []);
        const found = pinnedImages(deployment([{ name: "app", image: "app:latest" }], [{ name: "migrate", image: "migrate" }]));
        assert.equal(found.length, 2);
        assert.match(found[0], /container "migrate" image migrate has no tag/);
        const cron: ResourceLike = {
            type: "kubernetes:batch/v1:CronJob",
            name: "c",
            inputs: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "x", image: "busybox" }] } } } } } },
        };
        assert.equal(pinnedImages(cron).length, 1);
    });

    it("checks Helm values image tags and the chart version", () => {
        assert.deepEqual(pinnedImages(release({ image: { repository: "apache/airflow", tag: "2.10.3" } })), []);
        assert.match(
            pinnedImages(release({ images: { airflow: { repository: "apache/airflow", tag: "latest" } } }))[0],
            /values\.images\.airflow\.tag = latest .*"latest" is not allowed/,
        );
        assert.match(pinnedImages(release({ sidecar: { image: "busybox" } }))[0], /values\.sidecar\.image = busybox has no tag/);
        assert.match(pinnedImages(release({}, ""))[0], /no pinned version/);
    });
});

describe("policy: no world-open SSH / API", () => {
    it("refuses 22 and 6443 from 0.0.0.0/0 or ::/0, and rules without any source restriction", () => {
        assert.match(
            noWorldOpenAdminPorts(rule({ protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" }))[0],
            /SSH \(22\/tcp\) is open to 0\.0\.0\.0\/0/,
        );
        assert.match(
            noWorldOpenAdminPorts(rule({ protocol: "tcp", portRangeMin: 6443, portRangeMax: 6443, remoteIpPrefix: "::/0" }))[0],
            /Kubernetes API/,
        );
        assert.equal(
            noWorldOpenAdminPorts(rule({ protocol: "tcp", portRangeMin: 1, portRangeMax: 65535, remoteIpPrefix: "0.0.0.0/0" })).length,
            2,
            "a range covering both",
        );
        assert.equal(noWorldOpenAdminPorts(rule({ remoteIpPrefix: "0.0.0.0/0" })).length, 2, "no protocol: every protocol and port");
        assert.equal(noWorldOpenAdminPorts(rule({ protocol: "tcp", portRangeMin: 22, portRangeMax: 22 })).length, 1, "no source at all");
    });

    it("accepts admin CIDRs, remote groups, other ports, UDP and egress", () => {
        assert.deepEqual(
            noWorldOpenAdminPorts(rule({ protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "203.0.113.0/24" })),
            [],
        );
        assert.deepEqual(
            noWorldOpenAdminPorts(rule({ protocol: "tcp", portRangeMin: 6443, portRangeMax: 6443, remoteGroupId: "sg-1" })),
            [],
        );
        assert.deepEqual(
            noWorldOpenAdminPorts(rule({ protocol: "tcp", portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: "0.0.0.0/0" })),
            [],
        );
        assert.deepEqual(
            noWorldOpenAdminPorts(rule({ protocol: "udp", portRangeMin: 1, portRangeMax: 65535, remoteIpPrefix: "0.0.0.0/0" })),
            [],
        );
        assert.deepEqual(noWorldOpenAdminPorts(rule({ direction: "egress", remoteIpPrefix: "0.0.0.0/0" })), []);
    });
});

describe("policy: no plaintext secrets", () => {
    const synthSide = { knowsSecrets: true };
    const policySide = { knowsSecrets: false };
    const secret = (stringData: Record<string, unknown> | { "@secret": unknown }): ResourceLike => ({
        type: "kubernetes:core/v1:Secret",
        name: "s",
        inputs: { stringData },
    });

    it("refuses literal secret-looking env values; secretKeyRef and ordinary values are fine", () => {
        const found = noPlaintextSecrets(
            deployment([
                {
                    name: "api",
                    image: "a:1",
                    env: [
                        { name: "DB_PASSWORD", value: "hunter2" },
                        { name: "LOG_LEVEL", value: "info" },
                        { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "t", key: "t" } } },
                    ],
                },
            ]),
            policySide,
        );
        assert.deepEqual(found, ['web: env DB_PASSWORD of container "api" is a literal value; use valueFrom.secretKeyRef']);
    });

    it("Kubernetes Secret data: unmarked values are plaintext where secrets are visible (synth)", () => {
        assert.equal(noPlaintextSecrets(secret({ password: "s3cr3t-value" }), synthSide).length, 1);
        assert.deepEqual(noPlaintextSecrets(secret({ "@secret": { password: "x" } }), synthSide), []);
        assert.deepEqual(noPlaintextSecrets(secret({ password: { "@secret": "x" } }), synthSide), []);
        // The analyzer cannot see secretness: only known-weak literals are flagged there.
        assert.deepEqual(noPlaintextSecrets(secret({ password: "s3cr3t-value" }), policySide), []);
        assert.equal(noPlaintextSecrets(secret({ password: "changeme" }), policySide).length, 1);
    });

    it("Helm values: password-like keys with literal values; existingSecret names are fine", () => {
        const found = noPlaintextSecrets(release({ auth: { postgresPassword: "pw-literal", existingSecret: "todo-db" } }), synthSide);
        assert.deepEqual(found, [
            "rel: values.auth.postgresPassword is a plaintext secret; pass it with pulumi.secret() or an existingSecret",
        ]);
        assert.deepEqual(noPlaintextSecrets(release({ auth: { postgresPassword: { "@secret": "pw" } } }), synthSide), []);
    });

    it("judges 'auth' keys by name: basic_auth holds a secret, auth_manager a setting", () => {
        assert.equal(noPlaintextSecrets(release({ ingress: { basic_auth: "user:pw" } }), synthSide).length, 1);
        assert.deepEqual(
            noPlaintextSecrets(
                release({ config: { core: { auth_manager: "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager" } } }),
                synthSide,
            ),
            [],
        );
    });
});

describe("policy: the project's own stacks comply", () => {
    for (const stack of ["dev-infra", "prod-infra"]) {
        it(`${stack} has no violations`, async () => {
            const result = await synth(stack);
            assert.deepEqual(checkAll(result.resources, { knowsSecrets: true }), []);
        });
    }
});
