import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { Health, startHealthServer } from "../src/health.js";
import { ConfigError, EnvReader } from "../src/env.js";
import { MetricsRegistry } from "../src/metrics.js";

describe("stream health endpoint", () => {
    it("is unhealthy before the first beat and after staleAfterMs without one", () => {
        let now = 0;
        const h = new Health("svc", 1000, () => now);
        assert.equal(h.healthy().ok, false);
        h.beat();
        now = 1000;
        assert.equal(h.healthy().ok, true);
        now = 1001;
        assert.deepEqual(h.healthy(), { ok: false, reason: "no progress for 1001 ms" });
    });

    it("serves /healthz (200/503) and Prometheus /metrics on loopback", async () => {
        let now = 0;
        const h = new Health("sensor-x", 1000, () => now);
        const inc = h.counter("malformed_total", "Malformed events");
        h.gauge("open_windows", "Open windows", () => 3);
        const server = await startHealthServer(h, 0, "127.0.0.1");
        try {
            const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
            assert.equal((await fetch(`${base}/healthz`)).status, 503);
            h.beat();
            inc(2);
            const ok = await fetch(`${base}/healthz`);
            assert.equal(ok.status, 200);
            assert.match(await ok.text(), /^ok:/);
            const metrics = await (await fetch(`${base}/metrics`)).text();
            assert.match(metrics, /^# TYPE sensor_x_malformed_total counter$/m);
            assert.match(metrics, /^sensor_x_malformed_total 2$/m);
            assert.match(metrics, /^sensor_x_open_windows 3$/m);
            assert.match(metrics, /^sensor_x_healthy 1$/m);
            now = 5000;
            assert.equal((await fetch(`${base}/healthz`)).status, 503);
            assert.equal((await fetch(`${base}/nope`)).status, 404);
        } finally {
            await new Promise((resolve) => server.close(resolve));
        }
    });
});

describe("stream liveness endpoint", () => {
    it(
        "serves /livez 200 before the first beat and while /healthz " + "is 503 (broker outage), so liveness never restarts for Kafka",
        async () => {
            let now = 0;
            const h = new Health("sensor-x", 1000, () => now);
            const server = await startHealthServer(h, 0, "127.0.0.1");
            try {
                const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
                // Starting up: not ready yet, but alive.
                assert.equal((await fetch(`${base}/healthz`)).status, 503);
                const early = await fetch(`${base}/livez`);
                assert.equal(early.status, 200);
                assert.equal(await early.text(), "alive\n");
                h.beat();
                assert.equal((await fetch(`${base}/healthz`)).status, 200);
                assert.equal((await fetch(`${base}/livez`)).status, 200);
                // Heartbeats stale (broker gone): readiness fails, liveness does not.
                now = 60_000;
                assert.equal((await fetch(`${base}/healthz`)).status, 503);
                assert.equal((await fetch(`${base}/livez?probe=1`)).status, 200);
                // Only GET.
                assert.equal((await fetch(`${base}/livez`, { method: "POST" })).status, 404);
            } finally {
                await new Promise((resolve) => server.close(resolve));
            }
        },
    );
});

describe("stream env reader", () => {
    it("collects every problem and names the variable", () => {
        const r = new EnvReader({ A: " ", N: "1.5", T: "..", L: "," });
        r.string("A");
        r.number("N", 1, { integer: true, min: 1, max: 9 });
        r.topic("T", "x");
        r.list("L", ["x"]);
        r.brokers("B");
        assert.throws(
            () => r.done(),
            (e: unknown) =>
                e instanceof ConfigError && e.problems.length === 5 && /A is required/.test(e.message) && /B is required/.test(e.message),
        );
    });
    it("accepts valid values", () => {
        const r = new EnvReader({ B: "a:1, b.c:65535", N: "3" });
        assert.deepEqual(r.brokers("B"), ["a:1", "b.c:65535"]);
        assert.equal(r.number("N", 1, { integer: true }), 3);
        r.done();
    });
});

describe("stream metrics registry", () => {
    it("renders labelled counters, labelled gauges and cumulative histogram buckets in Prometheus text", () => {
        const r = new MetricsRegistry("svc");
        const closed = r.labelledCounter("closed_total", "Closed", [{ reason: "complete" }, { reason: "idle" }]);
        closed({ reason: "idle" }, 2);
        r.labelledGauge("lag", "Lag", () => [{ labels: { topic: 'a"b\\c', partition: "0" }, value: 7 }]);
        const h = r.histogram("d_seconds", "Duration", [0.01, 0.1]);
        h.observe(0.005);
        h.observe(0.05);
        h.observe(3);
        assert.throws(() => r.counter("closed_total", "again"), /twice/);
        const text = r.renderMetrics();
        assert.match(text, /^# TYPE svc_closed_total counter$/m);
        assert.match(text, /^svc_closed_total\{reason="complete"\} 0$/m);
        assert.match(text, /^svc_closed_total\{reason="idle"\} 2$/m);
        assert.match(text, /^svc_lag\{topic="a\\"b\\\\c",partition="0"\} 7$/m);
        assert.match(text, /^# TYPE svc_d_seconds histogram$/m);
        assert.match(text, /^svc_d_seconds_bucket\{le="0.01"\} 1$/m);
        assert.match(text, /^svc_d_seconds_bucket\{le="0.1"\} 2$/m);
        assert.match(text, /^svc_d_seconds_bucket\{le="\+Inf"\} 3$/m);
        assert.match(text, /^svc_d_seconds_sum 3.055$/m);
        assert.match(text, /^svc_d_seconds_count 3$/m);
    });
});
