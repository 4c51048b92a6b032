import assert from "node:assert/strict";
import { exposedNames, parsePromql } from "../support/promql";
import { airflowNames, kafkaJmxNames } from "../support/metricCatalog";
import { allExpressions } from "./expressions";

describe("monitoring: PromQL parses with the Prometheus grammar (@prometheus-io/lezer-promql)", () => {
    it("every rule and dashboard expression parses", () => {
        const all = allExpressions();
        assert.ok(all.length >= 60, `only ${all.length} expressions`);
        const broken = all.filter((e) => parsePromql(e.expr).errors.length > 0).map((e) => `${e.where}: ${e.expr}`);
        assert.deepEqual(broken, []);
    });

    it("the check is not a rubber stamp: broken PromQL is caught and names are extracted", () => {
        for (const bad of ["sum(rate(x[5m])", "rate(x[5m]) >", "sum by (le (x)", "x{job=}", "foo bar"]) {
            assert.ok(parsePromql(bad).errors.length > 0, bad);
        }
        assert.deepEqual(parsePromql('sum by (le) (rate(a_bucket{job="x"}[5m])) / on() b:rec or {__name__="c"} unless vector(1)').metrics, [
            "a_bucket",
            "b:rec",
            "c",
        ]);
    });

    it("extracts the label names each selector matches on", () => {
        assert.deepEqual(parsePromql('rate(a{job="x", route!~"/m"}[5m]) / b').matchers, [
            { metric: "a", labels: ["job", "route"] },
            { metric: "b", labels: [] },
        ]);
    });

    it("reads exposition names by type (histogram buckets, summary sums)", () => {
        const names = exposedNames('# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE s summary\n# TYPE c counter\nc_total 1\nplain 2\n');
        assert.deepEqual([...names].sort(), ["c", "c_total", "h_bucket", "h_count", "h_sum", "plain", "s", "s_count", "s_sum"]);
    });

    it("derives Kafka names from our JMX rules and Airflow names through the chart's statsd mappings", () => {
        assert.ok(kafkaJmxNames().includes("kafka_controller_kafkacontroller_offlinepartitionscount"));
        const airflow = airflowNames();
        // dagrun.duration.failed.<dag_id> is mapped to a dag_id label; the timer is a summary.
        assert.ok(airflow.includes("airflow_dagrun_failed_count"));
        // dag_processing.last_duration.<file> is not mapped: its name would carry the file name.
        assert.ok(!airflow.includes("airflow_dag_processing_last_duration_X"));
    });
});
