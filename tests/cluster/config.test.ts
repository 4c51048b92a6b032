import * as assert from "node:assert/strict";
import { DEFAULT_CHARTS, infraStackRef, parseClusterConfig } from "../../cluster/config";
import { checkInfraOutputs } from "../../cluster/infraOutputs";
import { ConfigValidationError, strictLookup } from "../../lib/config/reader";
import { configProblems } from "../support/config";

const VALID: Record<string, string> = { layer: "cluster", environment: "dev" };

function parse(changes: Record<string, string | undefined> = {}) {
    const values: Record<string, string | undefined> = { ...VALID, ...changes };
    return parseClusterConfig((k) => values[k], "data-platform", "stack test-cluster");
}

function problems(changes: Record<string, string | undefined>): string[] {
    return configProblems(() => parse(changes));
}

describe("cluster config", () => {
    it("fills defaults: cinder default class, pinned charts, infra reference in the program's own organization", () => {
        const cfg = parse();
        assert.deepEqual(cfg.infra, { organization: undefined, project: "data-platform", stack: "dev-infra" });
        // The wiring passes pulumi.getOrganization(): "organization" on a DIY backend, the org on Pulumi Cloud.
        assert.equal(infraStackRef(cfg, "organization"), "organization/data-platform/dev-infra");
        assert.equal(infraStackRef(cfg, "acme-cloud"), "acme-cloud/data-platform/dev-infra");
        assert.equal(cfg.defaultStorageClass, "cinder");
        assert.deepEqual(cfg.charts["ingress-nginx"], { repo: "https://kubernetes.github.io/ingress-nginx", version: "4.15.1" });
        assert.equal(cfg.kafka.partitions, 3);
        assert.equal(cfg.monitoring.grafanaNodePort, undefined);
        assert.equal(cfg.protectData, true);
    });

    it("a reference to another environment's infra stack is one problem, said once (not also as a copied file's leftover)", () => {
        const values: Record<string, string> = { ...VALID, infraStack: "prod-infra" };
        const lookup = strictLookup(
            (k) => values[k],
            () => Object.keys(values),
            "Pulumi.dev-cluster.yaml",
            { stack: "dev-cluster", environments: () => ["dev", "prod"] },
        );
        const found = configProblems(() => parseClusterConfig(lookup, "data-platform", "stack dev-cluster"));
        assert.deepEqual(found.filter((p) => p.startsWith("data-platform:infraStack")).length, 1, found.join("\n"));
        assert.match(
            found.join("\n"),
            /infraStack = "prod-infra": names environment "prod"'s stack from environment "dev".*use "dev-infra"/,
        );
    });

    it("reads the infra reference parts and overrides a chart version", () => {
        const cfg = parse({
            infraOrganization: "acme",
            infraProject: "platform",
            infraStack: "dev-infra",
            chartVersions: JSON.stringify({ "ingress-nginx": "4.14.5" }),
        });
        assert.equal(infraStackRef(cfg, "ignored-when-configured"), "acme/platform/dev-infra");
        assert.equal(cfg.charts["ingress-nginx"].version, "4.14.5");
        assert.equal(cfg.charts["kube-prometheus-stack"].version, DEFAULT_CHARTS["kube-prometheus-stack"].version);
    });

    it("volume zone, attach limit and the retired ingressReplicas: read, bounded, named in the message", () => {
        assert.equal(parse().volumeAvailabilityZone, undefined);
        assert.equal(parse().nodeVolumeAttachLimit, 25);
        const cfg = parse({ volumeAvailabilityZone: "cinder-az1", nodeVolumeAttachLimit: "16" });
        assert.equal(cfg.volumeAvailabilityZone, "cinder-az1");
        assert.equal(cfg.nodeVolumeAttachLimit, 16);
        const p = problems({ volumeAvailabilityZone: "az1, az2", nodeVolumeAttachLimit: "300", ingressReplicas: "2" });
        assert.equal(p.length, 3, p.join("\n"));
        assert.ok(
            p.some((m) =>
                /volumeAvailabilityZone.*one Cinder availability zone name as `openstack availability zone list --volume`/.test(m),
            ),
            p.join("\n"),
        );
        assert.ok(
            p.some((m) => /nodeVolumeAttachLimit = "?300"?.*256/.test(m)),
            p.join("\n"),
        );
        assert.ok(
            p.some((m) => /ingressReplicas.*one ingress controller runs on each server/.test(m)),
            p.join("\n"),
        );
    });

    it("allows local-path only when asked for", () => {
        assert.equal(parse({ defaultStorageClass: "local-path" }).defaultStorageClass, "local-path");
    });

    const cases: [string, Record<string, string | undefined>, RegExp][] = [
        ["an empty infra organization", { infraOrganization: "" }, /^data-platform:infraOrganization = "": must not be empty/],
        [
            "an infra organization with a slash",
            { infraOrganization: "acme/x" },
            /^data-platform:infraOrganization = "acme\/x": must be a Pulumi organization name/,
        ],
        ["a missing environment", { environment: undefined }, /^data-platform:environment = \(unset\): is required/],
        [
            "an unknown default storage class",
            { defaultStorageClass: "ceph" },
            /^data-platform:defaultStorageClass = "ceph": must be one of "cinder", "local-path"/,
        ],
        [
            "a chart version range",
            { chartVersions: JSON.stringify({ "kube-prometheus-stack": "^88.0.0" }) },
            /^data-platform:chartVersions.kube-prometheus-stack = "\^88.0.0": must be an exact version/,
        ],
        [
            "an unknown chart",
            { chartVersions: JSON.stringify({ traefik: "1.0.0" }) },
            /^data-platform:chartVersions.traefik = "1.0.0": names no chart of this layer/,
        ],
        [
            "an image on latest",
            { images: JSON.stringify({ ingressController: "registry.k8s.io/ingress-nginx/controller:latest" }) },
            /^data-platform:images.ingressController = .*"latest" is not allowed/,
        ],
        [
            "a Kafka version the pinned Strimzi does not support",
            { kafkaVersion: "3.9.0" },
            /^data-platform:kafkaVersion = "3.9.0": must be one of "4.2.0", "4.2.1", "4.3.0", "4.3.1"/,
        ],
        ["zero brokers", { kafkaBrokers: "0" }, /^data-platform:kafkaBrokers = 0: must be an integer between 1 and 9/],
        [
            "fewer than 3 brokers in prod",
            { environment: "prod", kafkaBrokers: "1" },
            /^data-platform:kafkaBrokers = 1: must be at least 3 in prod/,
        ],
        [
            "a NodePort outside the range",
            { grafanaNodePort: "8080" },
            /^data-platform:grafanaNodePort = 8080: must be an integer between 30000 and 32767/,
        ],
        [
            "a Grafana path without a slash",
            { grafanaPath: "grafana" },
            /^data-platform:grafanaPath = "grafana": must be a URL path starting with "\/"/,
        ],
        [
            "an uppercase Grafana host",
            { grafanaHost: "Grafana.Example.org" },
            /^data-platform:grafanaHost = "Grafana.Example.org": must be a lowercase DNS name/,
        ],
        [
            "a bad memory quantity",
            { kafkaBrokerMemory: "2GB" },
            /^data-platform:kafkaBrokerMemory = "2GB": must be a memory quantity in Mi or Gi/,
        ],
        ["a bad CPU quantity", { prometheusCpu: "half" }, /^data-platform:prometheusCpu = "half": must be a CPU quantity/],
        [
            "a bad retention",
            { prometheusRetention: "10 days" },
            /^data-platform:prometheusRetention = "10 days": must be a duration above zero like "10d"/,
        ],
        [
            "a retention of zero",
            { prometheusRetention: "0d" },
            /^data-platform:prometheusRetention = "0d": must be a duration above zero like "10d"/,
        ],
        [
            "an IP address as Grafana's host",
            { grafanaHost: "192.0.2.10" },
            /^data-platform:grafanaHost = "192.0.2.10": is an IP address.*Kubernetes refuses an Ingress host that is an IP/,
        ],
        ["a non-boolean protectData", { protectData: "yes" }, /^data-platform:protectData = "yes": must be true or false/],
        [
            "an uppercase Kafka cluster name",
            { kafkaClusterName: "Platform" },
            /^data-platform:kafkaClusterName = "Platform": must be a lowercase DNS label/,
        ],
    ];
    for (const [what, changes, expected] of cases) {
        it(`refuses ${what}`, () => {
            const found = problems(changes);
            assert.ok(
                found.some((p) => expected.test(p)),
                `no problem matching ${expected} in:\n${found.join("\n")}`,
            );
        });
    }

    it("reports several problems in one error", () => {
        assert.throws(
            () => parse({ kafkaBrokers: "0", grafanaPath: "x", defaultStorageClass: "nope" }),
            (err: unknown) => err instanceof ConfigValidationError && err.problems.length === 3 && /\(3 problems\)/.test(err.message),
        );
    });
});

describe("cluster: infra outputs check", () => {
    it("names every missing infra output and the stack to run first", () => {
        assert.throws(
            () => checkInfraOutputs("organization/data-platform/dev-infra", { ingressAddress: "198.51.100.7" }),
            (err: Error) =>
                /does not provide what the cluster layer needs/.test(err.message) &&
                /nodes: expected/.test(err.message) &&
                /nodePools: expected/.test(err.message) &&
                /nfs: expected/.test(err.message) &&
                /localPathStorage: expected true or false/.test(err.message) &&
                /pulumi up -s dev-infra/.test(err.message),
        );
    });
});
