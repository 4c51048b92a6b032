import * as assert from "node:assert/strict";
import { EnvironmentPreview, protectedReport } from "../../../delivery/deploy/plan";
import { parseInfraConfig } from "../../../infra/config";
import { parseClusterConfig } from "../../../cluster/config";
import { parseAppsConfig } from "../../../apps/config";

const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::data-platform::${type}::${name}`;

function preview(layers: { layer: "infra" | "cluster" | "apps"; stack: string; urns: string[] }[]): EnvironmentPreview {
    return {
        env: "test",
        action: "destroy",
        source: { commit: "0".repeat(40), changes: "" },
        fingerprint: "x",
        layers: layers.map((l) => ({ layer: l.layer, stack: l.stack, version: 1, steps: [], counts: {} as never, protectedUrns: l.urns })),
    };
}

describe("npm run down: advice for protected resources", () => {
    it("names the protecting key of each blocked layer, as that layer reads it", () => {
        const text = protectedReport(
            preview([
                { layer: "apps", stack: "test-apps", urns: [urn("test-apps", "kubernetes:core/v1:PersistentVolumeClaim", "db")] },
                {
                    layer: "cluster",
                    stack: "test-cluster",
                    urns: [urn("test-cluster", "kubernetes:kafka.strimzi.io/v1:KafkaNodePool", "brokers")],
                },
                {
                    layer: "infra",
                    stack: "test-infra",
                    urns: [urn("test-infra", "openstack:blockstorage/volume:Volume", "test-k3s-nfs-data")],
                },
            ]),
        )!;
        assert.match(text, /test-apps: set data-platform:protectStateful to "false" in stacks\/Pulumi.test-apps.yaml/);
        assert.match(text, /test-cluster: set data-platform:protectData to "false" in stacks\/Pulumi.test-cluster.yaml/);
        assert.match(text, /test-infra: set data-platform:protectData to "false" in stacks\/Pulumi.test-infra.yaml/);
        assert.doesNotMatch(text, /test-infra: set data-platform:protectStateful/);
    });

    it("each advised key is one its layer's config reader accepts", () => {
        const accepts = (parse: (lookup: (k: string) => string | undefined) => unknown, key: string) => {
            // An unknown key is refused by every reader; a known one may still fail on other (missing) keys.
            const keys = () => [`data-platform:${key}`];
            try {
                parse(Object.assign((k: string) => (k === key ? "false" : undefined), { keys }));
            } catch (err) {
                assert.doesNotMatch(String((err as Error).message), new RegExp(`data-platform:${key} = .*is not a setting of this layer`));
            }
        };
        accepts((l) => parseInfraConfig(l as never, "data-platform", "test-infra"), "protectData");
        accepts((l) => parseClusterConfig(l as never, "data-platform", "test-cluster"), "protectData");
        accepts((l) => parseAppsConfig(l as never, "data-platform", "test-apps"), "protectStateful");
    });
});
