/**
 * Airflow metrics: the chart's statsd exporter turns Airflow's statsd stream into Prometheus
 * metrics; a ServiceMonitor lets the cluster's Prometheus scrape it, and a dashboard ConfigMap
 * (picked up by the Grafana sidecar through its `grafana_dashboard` label) shows them.
 */

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

interface Panel {
    readonly title: string;
    readonly expr: string;
    readonly unit?: string;
}

/** Panels over the metric names the chart's statsd mapping produces (prefix `airflow_`). */
const PANELS: readonly Panel[] = [
    { title: "Scheduler heartbeats / min", expr: "sum(rate(airflow_scheduler_heartbeat[5m])) * 60" },
    { title: "Running task pods", expr: "sum(airflow_executor_running_tasks)" },
    { title: "Queued tasks", expr: "sum(airflow_executor_queued_tasks)" },
    { title: "Task successes / 5 min", expr: "sum(increase(airflow_ti_successes[5m]))" },
    { title: "Task failures / 5 min", expr: "sum(increase(airflow_ti_failures[5m]))" },
    { title: "DAG run duration (success), p90", expr: "max by (dag_id) (airflow_dagrun_duration_success{quantile=\"0.9\"})", unit: "ms" },
    { title: "DAG file processing time", expr: "max by (file_path) (airflow_dag_processing_last_duration)", unit: "ms" },
    { title: "Open pool slots", expr: "sum by (pool_name) (airflow_pool_open_slots)" },
];

/** A Grafana dashboard (JSON model) for Airflow, built here rather than downloaded. */
export function airflowDashboard(): Record<string, unknown> {
    return {
        title: "Airflow",
        uid: "data-platform-airflow",
        tags: ["airflow", "data-platform"],
        timezone: "utc",
        schemaVersion: 39,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: { list: [] },
        panels: PANELS.map((panel, i) => ({
            id: i + 1,
            type: "timeseries",
            title: panel.title,
            datasource: { type: "prometheus", uid: "prometheus" },
            gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
            fieldConfig: { defaults: { unit: panel.unit ?? "short" }, overrides: [] },
            targets: [{ refId: "A", expr: panel.expr }],
        })),
    };
}
