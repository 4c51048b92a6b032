/**
 * Alerts and recording rules for the apps layer's workloads: the Todo backend (prom-client,
 * apps/todo/backend/src/metrics.ts), the sensor stream (apps/stream/common/src/health.ts, prefixes
 * `sensor_producer_` / `sensor_processor_`) and Airflow (the chart's statsd exporter mappings).
 * Thresholds are what an on-call engineer for this platform should be woken or warned for.
 */
import type { RuleGroup } from "../../lib/monitoring/rules";

export interface AppNamespaces {
    readonly todo: string;
    readonly stream: string;
    readonly airflow: string;
}

/** Scrape jobs (= Service names, the ServiceMonitor default). */
export const JOBS = {
    todoBackend: "todo-backend",
    producer: "sensor-producer",
    processor: "sensor-processor",
    airflowStatsd: "airflow-statsd",
} as const;

/** Share of 5xx answers above which the Todo API pages, and the p95 latency that warns. */
export const TODO_ERROR_RATIO = 0.05;
export const TODO_P95_SECONDS = 0.5;
/** Consumer lag, in seconds of input at the current rate, above which the processor is behind. */
export const STREAM_LAG_SECONDS = 120;

/**
 * The backend serves its API under `/api/...` and, behind the ingress' rewrite, under `/...`; the
 * probes (`/health`, `/livez`) and the scrape (`/metrics`) are not user traffic and would pull the
 * error share and the percentiles towards zero.
 */
export const TODO_NOT_USER_TRAFFIC = 'route!~"/metrics|(/api)?/(health|livez)"';

export function todoRules(ns: string): RuleGroup[] {
    const sel = `namespace="${ns}", job="${JOBS.todoBackend}"`;
    const user = `${sel}, ${TODO_NOT_USER_TRAFFIC}`;
    const quantile = (q: number) => ({
        record: `todo:http_request_duration_seconds:p${Math.round(q * 100)}_rate5m`,
        expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${user}}[5m])))`,
    });
    return [
        {
            name: "todo.recording",
            rules: [
                { record: "todo:http_requests:rate5m", expr: `sum by (route, status) (rate(http_requests_total{${sel}}[5m]))` },
                {
                    record: "todo:http_errors:ratio_rate5m",
                    expr:
                        `sum(rate(http_requests_total{${user}, status=~"5.."}[5m])) ` +
                        `/ clamp_min(sum(rate(http_requests_total{${user}}[5m])), 1e-9)`,
                },
                quantile(0.5),
                quantile(0.95),
                quantile(0.99),
            ],
        },
        {
            name: "todo.alerts",
            rules: [
                {
                    alert: "TodoBackendDown",
                    expr: `sum(up{${sel}}) == 0 or absent(up{${sel}})`,
                    for: "5m",
                    severity: "critical",
                    summary: "No Todo backend pod can be scraped",
                    description: "Prometheus has reached no todo-backend pod for 5 minutes: the API is most likely down.",
                    runbook: "kubectl -n microservices get pods,events; check the backend logs and its /health (database reachability).",
                },
                {
                    alert: "TodoHighErrorRate",
                    expr: `todo:http_errors:ratio_rate5m > ${TODO_ERROR_RATIO} and on() sum(rate(http_requests_total{${user}}[5m])) > 0.1`,
                    for: "10m",
                    severity: "critical",
                    summary: "Todo API answers more than 5 % of requests with 5xx",
                    description: "{{ $value | humanizePercentage }} of Todo API requests failed with a 5xx status over the last 5 minutes.",
                    runbook:
                        "Open the Todo dashboard (errors by route); backend logs carry the error; " +
                        "a database outage shows as 503 from /health.",
                },
                {
                    alert: "TodoHighLatency",
                    expr: `todo:http_request_duration_seconds:p95_rate5m > ${TODO_P95_SECONDS}`,
                    for: "15m",
                    severity: "warning",
                    summary: "Todo API p95 latency above 500 ms",
                    description: "The 95th percentile of Todo API request latency is {{ $value | humanizeDuration }}.",
                    runbook: "Compare with the DB pool panel: waiting clients mean the pool or the database is the bottleneck.",
                },
                {
                    alert: "TodoDbPoolExhausted",
                    expr: `max(todo_db_pool_waiting{${sel}}) > 0`,
                    for: "10m",
                    severity: "warning",
                    summary: "Todo backend requests wait for a database connection",
                    description: "Clients have been queueing for a pooled connection for 10 minutes ({{ $value }} waiting).",
                    runbook:
                        "Check PostgreSQL (microservices namespace) for slow queries or locks; " +
                        "raise PGPOOL_MAX only if the database has room.",
                },
            ],
        },
    ];
}

export function streamRules(ns: string): RuleGroup[] {
    const producer = `namespace="${ns}", job="${JOBS.producer}"`;
    const processor = `namespace="${ns}", job="${JOBS.processor}"`;
    const down = (job: string, name: string, what: string) => ({
        alert: name,
        expr: `sum(up{namespace="${ns}", job="${job}"}) == 0 or absent(up{namespace="${ns}", job="${job}"})`,
        for: "5m",
        severity: "critical" as const,
        summary: `The sensor ${what} cannot be scraped`,
        description: `No ${job} pod has answered /metrics for 5 minutes.`,
        runbook: `kubectl -n ${ns} get pods -l app.kubernetes.io/name=${job}; read its logs (config errors exit 2).`,
    });
    return [
        {
            name: "stream.recording",
            rules: [
                { record: "stream:events_sent:rate5m", expr: `sum(rate(sensor_producer_events_sent_total{${producer}}[5m]))` },
                { record: "stream:records_consumed:rate5m", expr: `sum(rate(sensor_processor_records_total{${processor}}[5m]))` },
                { record: "stream:results_produced:rate5m", expr: `sum(rate(sensor_processor_results_total{${processor}}[5m]))` },
                // A partition is reported by its current owner; after a rebalance the old owner's
                // series go stale, so max per partition is the lag.
                {
                    record: "stream:consumer_lag:sum",
                    expr: `sum by (topic) (max by (topic, partition) (sensor_processor_consumer_lag{${processor}}))`,
                },
                {
                    record: "stream:window_latency_seconds:p95_rate5m",
                    expr: `histogram_quantile(0.95, sum by (le) (rate(sensor_processor_window_latency_seconds_bucket{${processor}}[5m])))`,
                },
            ],
        },
        {
            name: "stream.alerts",
            rules: [
                down(JOBS.producer, "StreamProducerDown", "producer"),
                down(JOBS.processor, "StreamProcessorDown", "processor"),
                {
                    alert: "StreamProcessorFallingBehind",
                    expr: `sum(stream:consumer_lag:sum) / clamp_min(stream:events_sent:rate5m, 1) > ${STREAM_LAG_SECONDS}`,
                    for: "10m",
                    severity: "warning",
                    summary: "The processor is more than 2 minutes of input behind",
                    description: "Consumer lag on the events topic equals {{ $value | humanizeDuration }} of input at the current rate.",
                    runbook:
                        "Stream dashboard: lag per partition and window latency; " +
                        "add processor replicas (up to the partition count) or check broker health.",
                },
                {
                    alert: "StreamProcessorStalled",
                    expr: `stream:events_sent:rate5m > 0 and on() (stream:records_consumed:rate5m == 0)`,
                    for: "10m",
                    severity: "critical",
                    summary: "Events arrive but the processor consumes none",
                    description: "The producer writes events while the processor has consumed nothing for 10 minutes.",
                    runbook:
                        "Processor logs (group join, commit errors); " +
                        "`kafka-consumer-groups.sh --describe --group sensor-processor` on a broker pod.",
                },
                {
                    alert: "StreamProduceErrors",
                    expr: `sum(rate(sensor_producer_produce_errors_total{${producer}}[5m])) > 0`,
                    for: "10m",
                    severity: "warning",
                    summary: "The sensor producer fails to write to Kafka",
                    description: "Produce errors for 10 minutes ({{ $value }} per second).",
                    runbook: "Kafka dashboard (under-replicated / offline partitions); producer logs name the broker error.",
                },
                {
                    alert: "StreamEventsDropped",
                    expr: `sum(rate(sensor_producer_events_dropped_total{${producer}}[5m])) > 0`,
                    for: "15m",
                    severity: "warning",
                    summary: "The producer drops events because sends fall behind its schedule",
                    description: "{{ $value }} events per second are skipped.",
                    runbook: "Produce latency panel; slow acks point at the brokers, CPU throttling at the producer's limits.",
                },
                {
                    alert: "StreamMalformedEvents",
                    expr: `sum(rate(sensor_processor_malformed_total{${processor}}[5m])) > 0`,
                    for: "15m",
                    severity: "info",
                    summary: "The processor skips malformed events",
                    description: "{{ $value }} malformed events per second for 15 minutes.",
                    runbook:
                        "Processor logs show partition and offset of each skipped event; " +
                        "find the writer that does not use the wire format.",
                },
            ],
        },
    ];
}

export function airflowRules(ns: string): RuleGroup[] {
    const sel = `namespace="${ns}", job="${JOBS.airflowStatsd}"`;
    return [
        {
            name: "airflow.alerts",
            rules: [
                {
                    alert: "AirflowSchedulerHeartbeatMissing",
                    expr: `sum(rate(airflow_scheduler_heartbeat{${sel}}[5m])) == 0 or absent(airflow_scheduler_heartbeat{${sel}})`,
                    for: "10m",
                    severity: "critical",
                    summary: "The Airflow scheduler sends no heartbeat",
                    description: "No scheduler heartbeat for 10 minutes: no task is being scheduled.",
                    runbook:
                        "kubectl -n airflow get pods -l component=scheduler; its logs; " +
                        'the statsd exporter (up{job="airflow-statsd"}) must be up too.',
                },
                {
                    alert: "AirflowDagRunFailed",
                    expr: `sum by (dag_id) (increase(airflow_dagrun_failed_count{${sel}}[1h])) > 0`,
                    for: "0m",
                    severity: "warning",
                    summary: "A DAG run failed",
                    description: "DAG {{ $labels.dag_id }} had {{ $value }} failed run(s) in the last hour.",
                    runbook: "Airflow UI: the DAG's failed run and the task log; rerun with `airflow dags trigger` once fixed.",
                },
                {
                    alert: "AirflowDagImportErrors",
                    expr: `max(airflow_dag_processing_import_errors{${sel}}) > 0`,
                    for: "15m",
                    severity: "warning",
                    summary: "DAG files fail to import",
                    description: "{{ $value }} DAG file(s) cannot be parsed; their DAGs do not run.",
                    runbook: "Airflow UI banner lists the files and tracebacks; fix in the DAG repository (git-sync picks it up).",
                },
            ],
        },
    ];
}
