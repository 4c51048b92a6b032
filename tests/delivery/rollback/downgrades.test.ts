import * as assert from "node:assert/strict";
import { basisLine, readDeployed } from "../../../delivery/rollback/deployed";
import { crdDowngrades, kafkaDowngrades, providerDowngrades, ResourceView, unknownImageTags } from "../../../delivery/rollback/downgrades";
import { OWN_IMAGES } from "../../../apps/repository";
import { ROOT } from "../../../delivery/synth/stacks";
import { fakePulumi } from "../../support/fakePulumi";
import { synth } from "../../support/synth";

const OWN = Object.values(OWN_IMAGES);
const release = (name: string, chart: string, version: string): ResourceView => ({
    type: "kubernetes:helm.sh/v3:Release",
    name,
    inputs: { chart, version },
});
const kafka = (version: string, metadataVersion?: string): ResourceView => ({
    type: "kubernetes:kafka.strimzi.io/v1beta2:Kafka",
    name: "kafka",
    inputs: { metadata: { name: "events" }, spec: { kafka: { version, ...(metadataVersion ? { metadataVersion } : {}) } } },
});
const deployment = (image: string): ResourceView => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "todo-backend",
    inputs: { spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
});

describe("delivery: rollback downgrade guards", () => {
    it("operator/CRD charts going back are refused; going forward, equal or other charts are not", () => {
        const now = [
            release("strimzi", "strimzi-kafka-operator", "1.2.0"),
            release("kps", "kube-prometheus-stack", "80.1.0"),
            release("nginx", "ingress-nginx", "4.14.5"),
        ];
        const back = [
            release("strimzi-renamed", "strimzi-kafka-operator", "1.1.0"),
            release("kps", "kube-prometheus-stack", "79.0.0"),
            release("nginx", "ingress-nginx", "4.13.0"),
        ];
        const guards = crdDowngrades("prod-cluster", now, back);
        assert.deepEqual(
            guards.map((g) => g.message.split(":")[0]),
            ["strimzi-kafka-operator would go from 1.2.0 down to 1.1.0", "kube-prometheus-stack would go from 80.1.0 down to 79.0.0"],
        );
        // Identity is the chart, not the URN or resource name: a renamed resource at the same version is fine.
        assert.deepEqual(crdDowngrades("c", now, [release("other-name", "strimzi-kafka-operator", "1.2.0")]), []);
        assert.deepEqual(crdDowngrades("c", back, now), []);
    });

    it("Kafka version and metadataVersion only go forward", () => {
        assert.match(
            kafkaDowngrades("c", [kafka("4.3.1")], [kafka("4.2.1")])[0].message,
            /Kafka events would go from 4\.3\.1 down to 4\.2\.1: KRaft's metadata\.version/,
        );
        assert.match(
            kafkaDowngrades("c", [kafka("4.3.1", "4.3-IV0")], [kafka("4.3.1", "4.2-IV1")])[0].message,
            /metadataVersion would go from 4\.3-IV0 down to 4\.2-IV1/,
        );
        assert.deepEqual(kafkaDowngrades("c", [kafka("4.2.1")], [kafka("4.3.1")]), []);
    });

    it("Pulumi SDK and provider downgrades are refused", () => {
        const guards = providerDowngrades(
            "prod",
            { "@pulumi/pulumi": "3.248.0", "@pulumi/openstack": "3.15.2", "@pulumi/kubernetes": "4.34.2" },
            { "@pulumi/pulumi": "3.240.0", "@pulumi/openstack": "3.15.2", "@pulumi/kubernetes": "4.35.0" },
        );
        assert.equal(guards.length, 1);
        assert.match(guards[0].message, /@pulumi\/pulumi would go from 3\.248\.0 down to 3\.240\.0/);
    });

    it("the tag's own images must be release images: sha- builds and odd tags are refused, third-party images are not judged", () => {
        const guards = unknownImageTags(
            "prod-apps",
            [
                deployment("ghcr.io/o/todo-backend:sha-1a2b3c4"),
                deployment("ghcr.io/o/todo-frontend:1.4.0"),
                deployment("postgres:17.6"),
                deployment("ghcr.io/o/sensor-producer:nightly"),
            ],
            OWN,
        );
        assert.deepEqual(
            guards.map((g) => g.message.split(":")[0] + ":" + g.message.split(":")[1]),
            [
                "todo-backend.spec.template.spec.containers[0].image = ghcr.io/o/todo-backend:sha-1a2b3c4",
                "todo-backend.spec.template.spec.containers[0].image = ghcr.io/o/sensor-producer:nightly",
            ],
        );
        assert.deepEqual(unknownImageTags("x", [deployment(`ghcr.io/o/todo-backend:1.4.0@sha256:${"c".repeat(64)}`)], OWN), []);
    });

    it("on the project's own synth: a strimzi/Kafka downgrade is found, an identical cluster passes", async () => {
        const now = await synth("dev-cluster");
        assert.deepEqual(
            [
                ...crdDowngrades("dev-cluster", now.resources, now.resources),
                ...kafkaDowngrades("dev-cluster", now.resources, now.resources),
            ],
            [],
        );
        const older = await synth("dev-cluster", { "data-platform:kafkaVersion": "4.2.1" });
        assert.equal(kafkaDowngrades("dev-cluster", now.resources, older.resources).length, 1);
        const apps = await synth("dev-apps");
        assert.deepEqual(unknownImageTags("dev-apps", apps.resources, OWN), [], "the shipped stack files name release images");
        const main = await synth("dev-apps", { "data-platform:appsImageTag": "sha-1a2b3c4" });
        assert.equal(unknownImageTags("dev-apps", main.resources, OWN).length, 4);
    });
});

describe("delivery: what the rollback is judged against", () => {
    const withFake = async (scenario: unknown) => (await fakePulumi(scenario)).env;

    it("reads each stack's last-update commit and state resources from the backend (stand-in pulumi)", async () => {
        const commit = "1".repeat(40);
        const urn = "urn:pulumi:prod-cluster::data-platform::kubernetes:helm.sh/v3:Release::strimzi";
        const env = await withFake({
            stacks: {
                "prod-cluster": {
                    version: 7,
                    commit,
                    resources: [
                        {
                            urn,
                            type: "kubernetes:helm.sh/v3:Release",
                            custom: true,
                            inputs: { chart: "strimzi-kafka-operator", version: "1.2.0" },
                        },
                    ],
                },
            },
        });
        const deployed = await readDeployed({ workDir: ROOT, env }, ["prod-cluster", "prod-apps"]);
        assert.ok(deployed);
        assert.equal(deployed.get("prod-cluster")?.commit, commit);
        assert.deepEqual(deployed.get("prod-cluster")?.resources, [
            { type: "kubernetes:helm.sh/v3:Release", name: "strimzi", inputs: { chart: "strimzi-kafka-operator", version: "1.2.0" } },
        ]);
        assert.equal(deployed.get("prod-apps"), undefined, "never deployed");
        assert.match(
            basisLine(deployed, ["prod-cluster", "prod-apps"], undefined),
            /deployed \(backend\): prod-cluster: state of commit 111111111111; prod-apps: not deployed/,
        );
    });

    it("says when it could only compare with the checkout", async () => {
        const deployed = await readDeployed({ workDir: ROOT, env: await withFake({ loggedOut: true }) }, ["prod-infra"]);
        assert.equal(deployed, undefined);
        assert.match(basisLine(undefined, ["prod-infra"], undefined), /Judged against this checkout: no Pulumi backend reachable/);
        assert.match(basisLine(undefined, ["prod-infra"], "v1.4.0"), /Judged against v1\.4\.0 \(--from\)/);
    });
});
