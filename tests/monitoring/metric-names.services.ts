/**
 * Every metric a rule or dashboard reads is one something exports: the apps' names come from the
 * real /metrics of their services started here, the rest from documented lists (test data with
 * origin, tests/fixtures/metric-lists/README.md) and from recording rules.
 */
import assert from "node:assert/strict";
import { recordedNames } from "../../lib/monitoring/rules";
import { requireDebianPackage } from "../support/debian";
import { documentedNames } from "../support/metricCatalog";
import { exposedLabels, exposedNames, parsePromql } from "../support/promql";
import { allExpressions, allRuleGroups } from "./expressions";
import { TODO_NOT_USER_TRAFFIC } from "../../apps/monitoring/rules";
import { streamMetrics, todoBackendMetrics } from "./services";

describe("monitoring: every metric name used is exported", function () {
    this.timeout(120_000);
    const exported = new Map<string, string>();
    let todoText = "";
    const labels = new Map<string, Set<string>>();

    before(async function () {
        requireDebianPackage(this, "postgresql");
        // In parallel: each is a process start under tsx.
        const [todo, producer, processor] = await Promise.all([
            todoBackendMetrics(),
            streamMetrics("producer"),
            streamMetrics("processor"),
        ]);
        todoText = todo;
        for (const [source, text] of [
            ["todo backend /metrics", todo],
            ["sensor-producer /metrics", producer],
            ["sensor-processor /metrics", processor],
        ] as const) {
            for (const n of exposedNames(text)) exported.set(n, source);
            for (const [n, ls] of exposedLabels(text)) labels.set(n, new Set([...(labels.get(n) ?? []), ...ls]));
        }
    });

    it("the services really answered with their metrics", () => {
        assert.equal(exported.get("http_requests_total"), "todo backend /metrics");
        assert.equal(exported.get("http_request_duration_seconds_bucket"), "todo backend /metrics");
        assert.equal(exported.get("sensor_producer_events_sent_total"), "sensor-producer /metrics");
        assert.equal(exported.get("sensor_processor_records_total"), "sensor-processor /metrics");
    });

    it("rules and dashboards use only exported, documented or recorded names", () => {
        const known = new Map([...documentedNames(), ...exported]);
        for (const r of recordedNames(allRuleGroups())) known.set(r, "recording rule");
        const unknown = new Map<string, string[]>();
        for (const { where, expr } of allExpressions()) {
            for (const m of parsePromql(expr).metrics) {
                if (!known.has(m)) unknown.set(m, [...(unknown.get(m) ?? []), where]);
            }
        }
        assert.deepEqual(
            [...unknown.keys()].sort(),
            [],
            `unknown metric names:\n${[...unknown].map(([m, w]) => `  ${m} (${w.join(", ")})`).join("\n")}`,
        );
    });

    it("the Todo rules' route filter drops exactly the probes and the scrape, by the backend's real route labels", () => {
        const routes = new Set([...todoText.matchAll(/^http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]));
        for (const r of ["/api/todos", "/livez", "/health", "/metrics"])
            assert.ok(routes.has(r), `${r} not among ${[...routes].join(", ")}`);
        // Prometheus anchors regex matchers: !~ keeps what the whole pattern does not match.
        const pattern = new RegExp(`^(?:${/route!~"(.*)"/.exec(TODO_NOT_USER_TRAFFIC)![1]})$`);
        assert.deepEqual([...routes].filter((r) => !pattern.test(r)).sort(), ["/api/todos", "unmatched"]);
    });

    it("selectors on the services' metrics match only labels the services (or the scrape) put on them", () => {
        // Added by Prometheus / the ServiceMonitor to every series of a target.
        const target = new Set(["job", "namespace", "pod", "instance", "service", "endpoint", "container"]);
        const wrong: string[] = [];
        let checked = 0;
        for (const { where, expr } of allExpressions()) {
            for (const { metric, labels: used } of parsePromql(expr).matchers) {
                const have = labels.get(metric);
                if (!have || have.size === 0) continue;
                checked++;
                for (const l of used)
                    if (!target.has(l) && !have.has(l)) wrong.push(`${where}: ${metric}{${l}} (has ${[...have].join(", ")})`);
            }
        }
        assert.ok(checked >= 5, `only ${checked} selectors checked`);
        assert.deepEqual(wrong, []);
    });

    it("recording rules are named level:metric:operations and used by something", () => {
        const recorded = recordedNames(allRuleGroups());
        const used = new Set(allExpressions().flatMap((e) => parsePromql(e.expr).metrics));
        for (const r of recorded) {
            assert.match(r, /^[a-z]+:[a-z0-9_]+:[a-z0-9_]+$/, r);
            assert.ok(used.has(r), `${r} is recorded but nothing reads it`);
        }
    });
});
