/** The cluster synth's objects against their schemas: kubernetes-models for plain kinds, the pinned CRDs for Strimzi's. */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import type { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { byName, synth } from "../support/synth";

const ENVS = ["dev", "prod"] as const;
const RELEASE = "kubernetes:helm.sh/v3:Release";
const STRIMZI_KINDS = ["Kafka", "KafkaNodePool", "KafkaTopic"] as const;
const isKube = (r: SynthResource) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers");

describe("cluster synth: objects against their schemas", () => {
    const results: Record<string, SynthResult> = {};
    before(async () => {
        for (const env of ENVS) results[env] = await synth(`${env}-cluster`);
    });

    it("validates every plain Kubernetes object with kubernetes-models", () => {
        const MODULES: Record<string, string> = {
            v1: "kubernetes-models/v1",
            "storage.k8s.io/v1": "kubernetes-models/storage.k8s.io/v1",
            "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
        };
        let validated = 0;
        for (const env of ENVS) {
            for (const r of results[env].resources.filter(isKube)) {
                const apiVersion = String(r.inputs.apiVersion);
                const kind = String(r.inputs.kind);
                // CRD-typed objects are validated against their pinned CRDs (Strimzi here, cert-manager in certManager.test.ts).
                if (
                    r.type === RELEASE ||
                    ["kafka.strimzi.io/", "monitoring.coreos.com/", "cert-manager.io/", "snapshot.storage.k8s.io/"].some((g) =>
                        apiVersion.startsWith(g),
                    )
                )
                    continue;
                const obj = revealPlaceholders(r.inputs) as Record<string, unknown>;
                if (r.type.endsWith("Patch")) {
                    // A patch is a partial object by design: validate the full kind with the patched fields only where it is required.
                    assert.equal(kind, "StorageClass");
                    assert.deepEqual(Object.keys(obj).sort(), ["apiVersion", "kind", "metadata"]);
                    continue;
                }
                const module = MODULES[apiVersion];
                assert.ok(module, `no kubernetes-models module for ${apiVersion} (${r.name})`);
                const Model = (require(module) as Record<string, new (o: unknown) => { validate(): void }>)[kind];
                assert.ok(Model, `no kubernetes-models class for ${apiVersion} ${kind}`);
                assert.doesNotThrow(() => new Model(obj).validate(), `${env} ${r.name}`);
                validated++;
            }
        }
        assert.ok(validated >= 16, `validated ${validated}`);
        // The validator is not a rubber stamp.
        const { StorageClass } = require("kubernetes-models/storage.k8s.io/v1");
        assert.throws(() => new StorageClass({ metadata: { name: "x" }, provisioner: "p", reclaimPolicy: 3 }).validate());
    });

    describe("Strimzi resources against the pinned CRDs (1.2.0)", () => {
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        const validators = Object.fromEntries(
            ["040-Crd-kafka", "043-Crd-kafkatopic", "045-Crd-kafkanodepool"].map((file) => {
                const crd = parseYaml(fs.readFileSync(path.join(__dirname, "..", "fixtures", "strimzi", `${file}.yaml`), "utf8"));
                const version = crd.spec.versions.find((v: any) => v.name === "v1" && v.served);
                return [crd.spec.names.kind, { group: crd.spec.group, validate: ajv.compile(version.schema.openAPIV3Schema) }];
            }),
        );

        it("every Kafka, KafkaNodePool and KafkaTopic in dev and prod is valid", () => {
            let count = 0;
            for (const env of ENVS) {
                for (const r of results[env].resources.filter((x) => x.type.startsWith("kubernetes:kafka.strimzi.io/"))) {
                    const kind = String(r.inputs.kind) as (typeof STRIMZI_KINDS)[number];
                    const v = validators[kind];
                    assert.ok(v, `no CRD for ${kind}`);
                    assert.equal(r.inputs.apiVersion, `${v.group}/v1`);
                    const ok = v.validate(revealPlaceholders(r.inputs));
                    assert.ok(ok, `${env} ${r.name}: ${JSON.stringify(v.validate.errors)}`);
                    count++;
                }
            }
            assert.equal(count, 8);
        });

        it("the schema catches a broken spec", () => {
            const pool = revealPlaceholders(byName(results.dev, "dev-kafka-pool").inputs) as any;
            assert.equal(validators.KafkaNodePool.validate({ ...pool, spec: { ...pool.spec, storage: { type: "tape" } } }), false);
            assert.equal(
                validators.KafkaTopic.validate({
                    apiVersion: "kafka.strimzi.io/v1",
                    kind: "KafkaTopic",
                    metadata: {},
                    spec: { partitions: 0 },
                }),
                false,
            );
        });
    });
});
