import assert from "node:assert/strict";
import { ConfigError } from "../../common/src/env.js";
import { readProcessorConfig } from "../src/config.js";

describe("processor config", () => {
    it("applies defaults", () => {
        const c = readProcessorConfig({ KAFKA_BOOTSTRAP: "kafka:9092" });
        assert.deepEqual(c.brokers, ["kafka:9092"]);
        assert.equal(c.inputTopic, "events");
        assert.equal(c.outputTopic, "results");
        assert.equal(c.windowSize, 20);
        assert.equal(c.groupId, "sensor-processor");
        assert.equal(c.windowMaxSpan, 10000);
        assert.equal(c.windowIdleMs, 60000);
        assert.equal(c.lagPollMs, 15000);
    });

    it("a window must fit in its span", () => {
        assert.throws(
            () => readProcessorConfig({ KAFKA_BOOTSTRAP: "k:1", WINDOW_SIZE: "50", WINDOW_MAX_SPAN: "40" }),
            /WINDOW_MAX_SPAN=40 must be at least WINDOW_SIZE=50/,
        );
        assert.throws(() => readProcessorConfig({ KAFKA_BOOTSTRAP: "k:1", WINDOW_IDLE_MS: "5" }), /WINDOW_IDLE_MS="5"/);
    });

    it("lists every problem at once", () => {
        assert.throws(
            () => readProcessorConfig({ WINDOW_SIZE: "0", INPUT_TOPIC: "x", OUTPUT_TOPIC: "x", HEALTH_PORT: "http" }),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.equal(e.problems.length, 4, e.message);
                assert.match(e.message, /KAFKA_BOOTSTRAP is required/);
                assert.match(e.message, /WINDOW_SIZE="0" must be an integer between 1 and 100000/);
                assert.match(e.message, /INPUT_TOPIC and OUTPUT_TOPIC must differ/);
                assert.match(e.message, /HEALTH_PORT="http"/);
                return true;
            },
        );
    });

    it("rejects a malformed broker list and topic name", () => {
        assert.throws(() => readProcessorConfig({ KAFKA_BOOTSTRAP: "kafka" }), /host:port/);
        assert.throws(() => readProcessorConfig({ KAFKA_BOOTSTRAP: "kafka:99999" }), /host:port/);
        assert.throws(() => readProcessorConfig({ KAFKA_BOOTSTRAP: "a:1", INPUT_TOPIC: "bad topic" }), /not a valid Kafka topic/);
    });
});
