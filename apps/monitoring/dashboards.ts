/** Grafana dashboards for the Todo app and the sensor stream, over the apps' own metrics and the recording rules in rules.ts. */
import type { Dashboard } from "../../lib/monitoring/dashboard";
import { JOBS, TODO_NOT_USER_TRAFFIC } from "./rules";

export function todoDashboard(ns: string): Dashboard {
    const sel = `namespace="${ns}", job="${JOBS.todoBackend}"`;
    return {
        uid: "data-platform-todo",
        title: "Todo app",
        tags: ["todo", "data-platform"],
        panels: [
            {
                title: "Requests / s by route and status",
                targets: [{ expr: "sum by (route, status) (todo:http_requests:rate5m)", legend: "{{route}} {{status}}" }],
                unit: "reqps",
            },
            { title: "5xx share of requests", targets: [{ expr: "todo:http_errors:ratio_rate5m", legend: "5xx" }], unit: "percentunit" },
            {
                title: "Latency percentiles",
                targets: [
                    { expr: "todo:http_request_duration_seconds:p50_rate5m", legend: "p50" },
                    { expr: "todo:http_request_duration_seconds:p95_rate5m", legend: "p95" },
                    { expr: "todo:http_request_duration_seconds:p99_rate5m", legend: "p99" },
                ],
                unit: "s",
            },
            {
                title: "p95 latency by route",
                targets: [
                    {
                        expr:
                            `histogram_quantile(0.95, sum by (le, route) ` +
                            `(rate(http_request_duration_seconds_bucket{${sel}, ${TODO_NOT_USER_TRAFFIC}}[5m])))`,
                        legend: "{{route}}",
                    },
                ],
                unit: "s",
            },
            {
                title: "Database pool",
                description: "Connections per backend pod: open (total), idle, and clients waiting for one.",
                targets: [
                    { expr: `sum by (pod) (todo_db_pool_total{${sel}})`, legend: "total {{pod}}" },
                    { expr: `sum by (pod) (todo_db_pool_idle{${sel}})`, legend: "idle {{pod}}" },
                    { expr: `sum by (pod) (todo_db_pool_waiting{${sel}})`, legend: "waiting {{pod}}" },
                ],
            },
            { title: "Backend pods up", targets: [{ expr: `sum(up{${sel}})`, legend: "up" }] },
        ],
    };
}

export function streamDashboard(ns: string): Dashboard {
    const producer = `namespace="${ns}", job="${JOBS.producer}"`;
    const processor = `namespace="${ns}", job="${JOBS.processor}"`;
    const p95 = (metric: string, sel: string) => `histogram_quantile(0.95, sum by (le) (rate(${metric}_bucket{${sel}}[5m])))`;
    return {
        uid: "data-platform-stream",
        title: "Sensor stream",
        tags: ["kafka", "stream", "data-platform"],
        panels: [
            {
                title: "Rate in / out",
                description: "Events the producer got acknowledged, records the processor consumed, window results it produced.",
                targets: [
                    { expr: "stream:events_sent:rate5m", legend: "events sent" },
                    { expr: "stream:records_consumed:rate5m", legend: "records consumed" },
                    { expr: "stream:results_produced:rate5m", legend: "results produced" },
                ],
                unit: "ops",
            },
            {
                title: "Consumer lag by partition",
                targets: [
                    { expr: `max by (topic, partition) (sensor_processor_consumer_lag{${processor}})`, legend: "{{topic}}/{{partition}}" },
                ],
            },
            {
                title: "Lag in seconds of input",
                targets: [{ expr: "sum(stream:consumer_lag:sum) / clamp_min(stream:events_sent:rate5m, 1)", legend: "lag" }],
                unit: "s",
            },
            {
                title: "Window latency",
                description: "From a window's first event to its result being acknowledged.",
                targets: [
                    { expr: "stream:window_latency_seconds:p95_rate5m", legend: "p95" },
                    {
                        expr:
                            `histogram_quantile(0.5, sum by (le) ` +
                            `(rate(sensor_processor_window_latency_seconds_bucket{${processor}}[5m])))`,
                        legend: "p50",
                    },
                ],
                unit: "s",
            },
            {
                title: "Produce / commit latency p95",
                targets: [
                    { expr: p95("sensor_producer_produce_duration_seconds", producer), legend: "producer send" },
                    { expr: p95("sensor_processor_produce_duration_seconds", processor), legend: "processor send" },
                    { expr: p95("sensor_processor_commit_duration_seconds", processor), legend: "processor commit" },
                ],
                unit: "s",
            },
            {
                title: "Windows closed / s by reason",
                targets: [
                    { expr: `sum by (reason) (rate(sensor_processor_windows_closed_total{${processor}}[5m]))`, legend: "{{reason}}" },
                ],
                unit: "ops",
            },
            {
                title: "Errors, drops, malformed / s",
                targets: [
                    { expr: `sum(rate(sensor_producer_produce_errors_total{${producer}}[5m]))`, legend: "produce errors" },
                    { expr: `sum(rate(sensor_producer_events_dropped_total{${producer}}[5m]))`, legend: "events dropped" },
                    { expr: `sum(rate(sensor_processor_malformed_total{${processor}}[5m]))`, legend: "malformed" },
                ],
                unit: "ops",
            },
            {
                title: "Offset commits / s",
                targets: [{ expr: `sum(rate(sensor_processor_commits_total{${processor}}[5m]))`, legend: "commits" }],
                unit: "ops",
            },
        ],
    };
}
