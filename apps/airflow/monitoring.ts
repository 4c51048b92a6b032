/**
 * Airflow metrics: the chart's statsd exporter turns Airflow's statsd stream into Prometheus
 * metrics; a ServiceMonitor lets the cluster's Prometheus scrape it, and a dashboard ConfigMap
 * (picked up by the Grafana sidecar through its `grafana_dashboard` label) shows them.
 */
import { type Dashboard, grafanaDashboard, type Panel } from "../../lib/monitoring/dashboard";

/** ServiceMonitor selecting the chart's `<release>-statsd` Service. */
export function statsdServiceMonitor(releaseName: string, namespace: string): Record<string, unknown> {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: `${releaseName}-statsd`, namespace, labels: { "app.kubernetes.io/part-of": "airflow" } },
        spec: {
            selector: { matchLabels: { component: "statsd", release: releaseName } },
            namespaceSelector: { matchNames: [namespace] },
            endpoints: [{ port: "statsd-scrape", interval: "30s", path: "/metrics" }],
        },
    };
}

const PANELS: Panel[] = [
    { title: "Scheduler heartbeats / min", targets: [{ expr: "sum(rate(airflow_scheduler_heartbeat[5m])) * 60" }] },
    { title: "Running task pods", targets: [{ expr: "sum(airflow_executor_running_tasks)" }] },
    { title: "Queued tasks", targets: [{ expr: "sum(airflow_executor_queued_tasks)" }] },
    { title: "Task successes / 5 min", targets: [{ expr: "sum(increase(airflow_ti_successes[5m]))" }] },
    { title: "Task failures / 5 min", targets: [{ expr: "sum(increase(airflow_ti_failures[5m]))" }] },
    {
        title: "Failed DAG runs / h by DAG",
        targets: [{ expr: "sum by (dag_id) (increase(airflow_dagrun_failed_count[1h]))", legend: "{{dag_id}}" }],
    },
    {
        title: "DAG run duration (success), p90",
        targets: [{ expr: 'max by (dag_id) (airflow_dagrun_duration{quantile="0.9"})', legend: "{{dag_id}}" }],
        unit: "ms",
    },
    { title: "DAG import errors", targets: [{ expr: "max(airflow_dag_processing_import_errors)" }] },
    { title: "Open pool slots", targets: [{ expr: "sum by (pool) (airflow_pool_open_slots)", legend: "{{pool}}" }] },
];

/**
 * Panels over the names the chart's statsd exporter produces: its mapping file turns
 * `dagrun.duration.<success|failed>.<dag_id>` into `airflow_dagrun_duration` / `airflow_dagrun_failed`
 * with a `dag_id` label and `pool.open_slots.<pool>` into `airflow_pool_open_slots{pool}`; other
 * names are the statsd name with dots as underscores (tests/fixtures/metric-lists/README.md).
 */
export const AIRFLOW_DASHBOARD: Dashboard = {
    uid: "data-platform-airflow",
    title: "Airflow",
    tags: ["airflow", "data-platform"],
    panels: PANELS,
    timeFrom: "now-6h",
};

/** A Grafana dashboard (JSON model) for Airflow, built here rather than downloaded. */
export function airflowDashboard(): Record<string, unknown> {
    return grafanaDashboard(AIRFLOW_DASHBOARD);
}
