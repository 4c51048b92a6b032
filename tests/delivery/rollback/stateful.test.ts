/** Which resources hold state (delivery/rollback/stateful.ts): the classification table and what each loses. */
import * as assert from "node:assert/strict";
import { classify, STATEFUL_RULES } from "../../../delivery/rollback/stateful";

describe("delivery: stateful classification table", () => {
    const cases: [type: string, inputs: Record<string, unknown>, category: string | undefined][] = [
        ["openstack:blockstorage/volume:Volume", {}, "volume"],
        ["kubernetes:core/v1:PersistentVolumeClaim", {}, "volume"],
        ["kubernetes:core/v1:PersistentVolume", {}, "volume"],
        ["kubernetes:apps/v1:StatefulSet", {}, "workload-storage"],
        ["kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool", {}, "kafka-storage"],
        ["kubernetes:kafka.strimzi.io/v1:KafkaNodePool", {}, "kafka-storage"],
        ["kubernetes:kafka.strimzi.io/v1beta2:Kafka", {}, "kafka-storage"],
        ["kubernetes:postgresql.cnpg.io/v1:Cluster", {}, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "postgresql" }, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "oci://registry-1.docker.io/bitnamicharts/redis" }, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "ingress-nginx" }, undefined],
        ["kubernetes:helm.sh/v3:Release", { chart: "airflow", values: { postgresql: { enabled: false } } }, undefined],
        ["kubernetes:helm.sh/v3:Release", { chart: "airflow" }, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "airflow", values: { postgresql: { enabled: true } } }, "database"],
        ["random:index/randomPassword:RandomPassword", {}, "cluster-identity"],
        ["tls:index/privateKey:PrivateKey", {}, "cluster-identity"],
        ["openstack:networking/floatingIp:FloatingIp", {}, "address"],
        ["openstack:compute/instance:Instance", {}, undefined],
        ["kubernetes:apps/v1:Deployment", {}, undefined],
        ["kubernetes:core/v1:ConfigMap", {}, undefined],
        ["kubernetes:kafka.strimzi.io/v1beta2:KafkaUser", {}, undefined],
    ];
    for (const [type, inputs, category] of cases) {
        const values = inputs.values ? ` ${JSON.stringify(inputs.values)}` : "";
        const chart = inputs.chart ? ` (chart ${String(inputs.chart)}${values})` : "";
        it(`${type}${chart} → ${category ?? "not stateful"}`, () => {
            assert.equal(classify({ type, inputs })?.category, category);
        });
    }

    it("every rule says what would be lost", () => {
        for (const rule of STATEFUL_RULES) assert.ok(rule.loses.length > 10, rule.type);
    });
});
