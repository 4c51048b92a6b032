/**
 * The apps layer's reads of the lower stacks (apps/lowerStacks.ts): a missing or malformed
 * output stops the run with one message naming the stack and every bad output, instead of a
 * cast that fails later inside a resource.
 */
import { strict as assert } from "assert";
import { checkAppsClusterOutputs, checkAppsInfraOutputs } from "../../apps/lowerStacks";

const pools = [{ role: "agent", count: 2, flavor: "m1.large", vcpus: 4, memoryMiB: 8192 }];
const nodes = [{ name: "n-0", role: "server", address: "10.9.0.10" }];
const store = { endpoint: "https://s3.example.test", bucket: "b", region: "r", accessKey: "a", secretKey: "s", encryptionPassphrase: "p" };
const cluster = {
    ingressClass: "nginx",
    storageClasses: { rwo: "fast", rwx: "shared" },
    kafkaBootstrap: "kafka:9092",
    kafkaTopics: { events: "ev", results: "res" },
    kafkaPartitions: 3,
    monitoringNamespace: "mon",
    requests: { cpuMilli: 100, memoryMiB: 200 },
    grafanaUrl: "https://grafana.x.test/",
};

describe("apps layer: the lower stacks' outputs", () => {
    it("passes well-formed outputs through, with the optional ones when present", () => {
        const infra = checkAppsInfraOutputs("o/p/x-infra", { nodePools: pools, nodes, backupStore: store, adminCidrs: ["10.0.0.0/8"] });
        assert.deepEqual(infra.nodePools, pools);
        assert.equal(infra.backupStore?.bucket, "b");
        assert.equal(checkAppsInfraOutputs("o/p/x-infra", { nodePools: pools, nodes }).backupStore, undefined);
        const c = checkAppsClusterOutputs("o/p/x-cluster", {
            ...cluster,
            tlsIssuers: { ca: "ca", public: "acme", caDomains: ["example.test"] },
        });
        assert.equal(c.tlsIssuers?.public, "acme");
    });

    it("names the infra stack and every malformed output in one error", () => {
        assert.throws(
            () =>
                checkAppsInfraOutputs("o/p/x-infra", {
                    nodePools: [],
                    nodes: "n",
                    backupStore: { ...store, encryptionPassphrase: undefined },
                }),
            (err: Error) =>
                /infra stack "o\/p\/x-infra" does not provide what the apps layer needs/.test(err.message) &&
                /nodePools: expected/.test(err.message) &&
                /nodes: expected/.test(err.message) &&
                /backupStore: has no encryptionPassphrase/.test(err.message) &&
                /pulumi up -s x-infra/.test(err.message),
        );
    });

    it("names the cluster stack and every malformed output, optional ones included", () => {
        assert.throws(
            () =>
                checkAppsClusterOutputs("o/p/x-cluster", {
                    ...cluster,
                    storageClasses: { rwo: "fast" },
                    kafkaPartitions: 0,
                    daemonSets: { server: {} },
                    tlsIssuers: { ca: "ca" },
                    grafanaUrl: "grafana",
                }),
            (err: Error) =>
                /cluster stack "o\/p\/x-cluster"/.test(err.message) &&
                ["storageClasses", "kafkaPartitions", "daemonSets", "tlsIssuers", "grafanaUrl"].every((k) =>
                    err.message.includes(`${k}: expected`),
                ) &&
                !err.message.includes("ingressClass"),
        );
    });
});
