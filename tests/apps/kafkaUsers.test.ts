/** Kafka: no anonymous listener; each stream service logs in as its own KafkaUser with ACLs for what it uses. */
import * as assert from "node:assert/strict";
import { PROCESSOR_GROUP, streamAcls } from "../../apps/stream/kafkaUsers";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import type { SynthResult } from "../../delivery/synth/synth";
import { ofType, synth } from "../support/synth";
import { synthApps } from "./support";

/** Simple-authorizer semantics for literal resources: allowed when an ACL names the resource and the operation. */
function allowed(acls: ReturnType<typeof streamAcls>["producer"], type: "topic" | "group", name: string, operation: string): boolean {
    return acls.some((a) => a.resource.type === type && a.resource.name === name && a.operations.includes(operation));
}

describe("Kafka authentication and ACLs", () => {
    let apps: SynthResult;
    before(async () => {
        apps = await synthApps("dev");
    });

    it(
        "every client listener requires SCRAM-SHA-512 and the brokers " + "authorize with ACLs (the plain anonymous listener is gone)",
        async () => {
            const kafka = ofType(await synth("dev-cluster"), "kubernetes:kafka.strimzi.io/v1:Kafka")[0].inputs.spec as any;
            for (const l of kafka.kafka.listeners) assert.deepEqual(l.authentication, { type: "scram-sha-512" }, l.name);
            assert.equal(
                kafka.kafka.listeners.some((l: any) => l.name === "plain"),
                false,
            );
            assert.deepEqual(kafka.kafka.authorization, { type: "simple" });
            assert.ok(kafka.entityOperator.userOperator, "the User Operator turns KafkaUsers into SCRAM credentials and ACLs");
        },
    );

    it("one KafkaUser per service in Kafka's namespace, its password from a Secret there", () => {
        const users = ofType(apps, "kubernetes:kafka.strimzi.io/v1:KafkaUser").map((r) => revealPlaceholders(r.inputs) as any);
        assert.deepEqual(users.map((u) => u.metadata.name).sort(), ["sensor-processor", "sensor-producer"]);
        for (const u of users) {
            assert.equal(u.metadata.namespace, "kafka");
            assert.equal(u.metadata.labels["strimzi.io/cluster"], "platform");
            assert.deepEqual(u.spec.authentication, {
                type: "scram-sha-512",
                password: { valueFrom: { secretKeyRef: { name: u.metadata.name, key: "password" } } },
            });
            const secret = ofType(apps, "kubernetes:core/v1:Secret").find(
                (s) => (s.inputs.metadata as any).name === u.metadata.name && (s.inputs.metadata as any).namespace === "kafka",
            );
            assert.ok(secret && "@secret" in (secret.inputs.stringData as object), `${u.metadata.name}: its password is a secret`);
        }
    });

    it("ACLs: the producer writes events only; the processor reads events in its group and writes results", () => {
        const topics = { bootstrap: "c-kafka-bootstrap.k.svc:9092", eventsTopic: "ev", resultsTopic: "res" };
        const { producer, processor } = streamAcls(topics);
        const table: [typeof producer, "topic" | "group", string, string, boolean][] = [
            [producer, "topic", "ev", "Write", true],
            [producer, "topic", "ev", "Read", false],
            [producer, "topic", "res", "Write", false],
            [producer, "group", PROCESSOR_GROUP, "Read", false],
            [processor, "topic", "ev", "Read", true],
            [processor, "group", PROCESSOR_GROUP, "Read", true],
            [processor, "topic", "res", "Write", true],
            [processor, "topic", "ev", "Write", false],
            [processor, "topic", "res", "Read", false],
            [processor, "topic", "ev", "Delete", false],
        ];
        assert.deepEqual(
            table
                .filter(([acls, type, name, op, want]) => allowed(acls, type, name, op) !== want)
                .map(([, t, n, o, w]) => `${t} ${n} ${o} ${w}`),
            [],
        );
        // The synthesized users carry exactly these ACLs for the cluster's topic names.
        const synthesized = revealPlaceholders(
            ofType(apps, "kubernetes:kafka.strimzi.io/v1:KafkaUser").find((r) => (r.inputs.metadata as any).name === "sensor-producer")!
                .inputs,
        ) as any;
        assert.deepEqual(synthesized.spec.authorization, {
            type: "simple",
            acls: streamAcls({ bootstrap: "platform-kafka-bootstrap.kafka.svc:9092", eventsTopic: "events", resultsTopic: "results" })
                .producer,
        });
    });

    it("each service gets its user name and, from a Secret of its own namespace, its password", () => {
        for (const service of ["producer", "processor"]) {
            const deploy = ofType(apps, "kubernetes:apps/v1:Deployment").find(
                (d) => (d.inputs.metadata as any).name === `sensor-${service}`,
            )!;
            const env = (deploy.inputs.spec as any).template.spec.containers[0].env as any[];
            assert.deepEqual(
                env.find((e) => e.name === "KAFKA_SASL_USERNAME"),
                { name: "KAFKA_SASL_USERNAME", value: `sensor-${service}` },
            );
            assert.deepEqual(
                env.find((e) => e.name === "KAFKA_SASL_PASSWORD"),
                { name: "KAFKA_SASL_PASSWORD", valueFrom: { secretKeyRef: { name: `sensor-${service}-kafka`, key: "password" } } },
            );
            const secret = ofType(apps, "kubernetes:core/v1:Secret").find(
                (s) => (s.inputs.metadata as any).name === `sensor-${service}-kafka`,
            )!;
            assert.equal((secret.inputs.metadata as any).namespace, "stream");
        }
    });
});
