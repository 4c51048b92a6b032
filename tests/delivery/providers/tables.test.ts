/**
 * The provider replace tables (delivery/providers/tables, read from the providers' source by
 * delivery/bin/replaceTables.ts) cover every resource type the program uses, say where they
 * come from, and hold the facts the diff relies on.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { providerReplacePaths, TABLE_ORIGINS } from "../../../delivery/synth/replace";
import openstack from "../../../delivery/providers/tables/openstack.json";
import kubernetes from "../../../delivery/providers/tables/kubernetes.json";
import { synth } from "../../support/synth";
import { allStacks } from "../../../delivery/synth/stacks";
import { FIXTURE_STACKS } from "../../support/stacks";

describe("provider replace tables", function () {
    this.timeout(60000);

    it("name their origin: repository, ref, commit and files", () => {
        for (const [name, origins] of Object.entries(TABLE_ORIGINS)) {
            for (const o of origins as { repo: string; ref: string; commit: string; files: string[] }[]) {
                assert.match(o.repo, /^github\.com\//, name);
                assert.match(o.commit, /^[0-9a-f]{40}$/, name);
                assert.ok(o.files.length > 0, name);
            }
        }
        assert.deepEqual(
            openstack.origin.map((o) => `${o.repo}@${o.ref}`),
            ["github.com/pulumi/pulumi-openstack@v3.15.2", "github.com/terraform-provider-openstack/terraform-provider-openstack@v1.54.1"],
        );
        assert.deepEqual(openstack.crossCheck, {}, "every OpenStack ForceNew attribute matches the bridged schema's willReplaceOnChanges");
    });

    it("hold the provider facts the issue names", () => {
        assert.ok(providerReplacePaths("openstack:compute/keypair:Keypair").includes("publicKey"));
        assert.ok(providerReplacePaths("openstack:networking/floatingIp:FloatingIp").includes("pool"));
        assert.deepEqual(
            ["imageName", "flavorName", "name"].filter((p) => providerReplacePaths("openstack:compute/instance:Instance").includes(p)),
            [],
            "Nova rebuilds/resizes/renames in place",
        );
        assert.ok(providerReplacePaths("openstack:compute/instance:Instance").includes("userData"));
        assert.ok(providerReplacePaths("kubernetes:core/v1:PersistentVolumeClaim").includes("spec.storageClassName"));
        assert.ok(providerReplacePaths("kubernetes:apps/v1:StatefulSet").includes("spec.volumeClaimTemplates"));
        assert.ok(providerReplacePaths("kubernetes:batch/v1:Job").includes("spec.template"));
        assert.deepEqual(providerReplacePaths("kubernetes:helm.sh/v3:Release"), ["name", "namespace"]);
        assert.deepEqual(providerReplacePaths("kubernetes:kafka.strimzi.io/v1:KafkaNodePool"), ["metadata.name", "metadata.namespace"]);
        assert.ok(providerReplacePaths("kubernetes:core/v1:Secret").includes("stringData"));
        assert.ok(!providerReplacePaths("kubernetes:core/v1:Secret", {}, { enableSecretMutable: true }).includes("stringData"));
        assert.deepEqual(providerReplacePaths("command:local:Command"), ["triggers"]);
        assert.ok(providerReplacePaths("random:index/randomPassword:RandomPassword").includes("length"));
        assert.ok(providerReplacePaths("tls:index/privateKey:PrivateKey").includes("algorithm"));
        assert.equal(kubernetes.kinds["policy/v1beta1/PodDisruptionBudget"][0], "spec");
        // The provider resource itself (DiffConfig): what replaces it, and so everything it manages.
        assert.equal(kubernetes.providerConfig.identifier, "clusterIdentifier");
        assert.deepEqual(kubernetes.providerConfig.activeCluster, ["kubeconfig", "context", "cluster"]);
        assert.ok(kubernetes.origin[0].files.includes("provider/pkg/provider/provider.go"));
    });

    it("cover every resource type the stacks use, and the synth records the rules per resource", async () => {
        const tables: Record<string, Record<string, unknown>> = {};
        for (const f of fs
            .readdirSync(path.join(__dirname, "..", "..", "..", "delivery", "providers", "tables"))
            .filter((f) => f.endsWith(".json"))) {
            tables[f.replace(".json", "")] = JSON.parse(
                fs.readFileSync(path.join(__dirname, "..", "..", "..", "delivery", "providers", "tables", f), "utf8"),
            ).resources;
        }
        for (const stack of allStacks(FIXTURE_STACKS)) {
            const result = await synth(stack);
            for (const r of result.resources.filter((x) => x.custom && !x.read && !x.type.startsWith("pulumi:"))) {
                const pkg = r.type.split(":")[0];
                if (pkg !== "kubernetes") assert.ok(r.type in (tables[pkg] ?? {}), `${stack}: ${r.type} is in no replace table`);
                assert.ok(Array.isArray(r.replaceOn), `${stack}: ${r.name} has no recorded replace rules`);
                for (const o of r.options.replaceOnChanges)
                    assert.ok(r.replaceOn!.some((x) => x.path === o && x.source === "replaceOnChanges"));
            }
        }
    });
});
