import assert from "node:assert/strict";
import { ConfigError, EnvReader, readServiceBasics } from "../src/env.js";
import { baseOptionsValidator } from "@platformatic/kafka";
import { createProducer, saslOption } from "../src/kafka.js";

const basics = (env: Record<string, string>) => {
    const r = new EnvReader(env);
    const b = readServiceBasics(r, env, "svc");
    r.done();
    return b;
};

describe("Kafka SCRAM credentials from the environment", () => {
    it("reads both variables as a SCRAM-SHA-512 login; neither means an unauthenticated listener", () => {
        const b = basics({ KAFKA_BOOTSTRAP: "k:9092", KAFKA_SASL_USERNAME: "sensor-producer", KAFKA_SASL_PASSWORD: "s3cret-pw" });
        assert.deepEqual({ ...b.sasl }, { mechanism: "SCRAM-SHA-512", username: "sensor-producer", password: "s3cret-pw" });
        assert.equal(basics({ KAFKA_BOOTSTRAP: "k:9092" }).sasl, undefined);
    });

    it("refuses one without the other, naming the missing variable", () => {
        assert.throws(
            () => basics({ KAFKA_BOOTSTRAP: "k:9092", KAFKA_SASL_USERNAME: "u" }),
            (e: unknown) => e instanceof ConfigError && /KAFKA_SASL_PASSWORD is not set/.test(e.message),
        );
    });

    it("never puts the password into a log line", () => {
        const b = basics({ KAFKA_BOOTSTRAP: "k:9092", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "s3cret-pw" });
        const line = JSON.stringify({ msg: "started", ...b });
        assert.doesNotMatch(line, /s3cret-pw/);
        assert.match(line, /"username":"u"/);
    });

    it("reaches the client library as its sasl option, which the library validates", async () => {
        const b = basics({ KAFKA_BOOTSTRAP: "k:9092", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" });
        assert.deepEqual(saslOption(b.sasl), { sasl: { mechanism: "SCRAM-SHA-512", username: "u", password: "p" } });
        const producer = createProducer({ brokers: b.brokers, clientId: "c", sasl: b.sasl });
        await producer.close();
        // The library's own option schema accepts it, and is not a rubber stamp.
        const base = { clientId: "c", bootstrapBrokers: b.brokers };
        assert.ok(baseOptionsValidator({ ...base, ...saslOption(b.sasl) }), JSON.stringify(baseOptionsValidator.errors));
        assert.equal(baseOptionsValidator({ ...base, sasl: { mechanism: "BOGUS", username: "u", password: "p" } }), false);
    });
});
