/**
 * The rules run in Prometheus' own rule engine: `promtool check rules` on every rule file, then
 * `promtool test rules` feeds synthetic series and asserts which alerts fire (and which stay quiet)
 * at a given time. promtool is Debian's `prometheus` package (2.42); the cluster runs Prometheus 3,
 * whose rule language is the same for what these rules use.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { NAMESPACES } from "../../apps";
import { airflowRules, streamRules, todoRules } from "../../apps/monitoring/rules";
import { platformRuleGroups } from "../../cluster/values/platformRules";
import { prometheusRule, type RuleGroup } from "../../lib/monitoring/rules";
import { requireDebianPackage } from "../support/debian";
import { tempDir } from "../support/tempDir";

const DAY = 86400;
/** The deploy certificate expires 6 days after the test's time 0 (the alert fires at 7). */
const ADMIN_NOT_AFTER = 6 * DAY;

function ruleFile(groups: RuleGroup[]): string {
    return stringify({ groups: (prometheusRule("t", "t", groups).spec as { groups: unknown[] }).groups });
}

interface Case {
    readonly name: string;
    readonly series: Record<string, string>;
    /** At `at`, these alerts fire (count of firing series) and those listed with 0 do not. */
    readonly at: string;
    readonly expect: Record<string, number>;
    /** Hours-long scenarios are sampled and evaluated every 15 minutes (series values per 15 min). */
    readonly slow?: boolean;
}

const todo = (labels: string) => `{namespace="microservices", job="todo-backend", method="GET", ${labels}}`;
const stream = (job: string, labels = "") => `{namespace="stream", job="${job}"${labels ? `, ${labels}` : ""}}`;
const kafka = (pod: string) => `{namespace="kafka", pod="${pod}"}`;
const airflow = (labels = "") => `{namespace="airflow", job="airflow-statsd"${labels ? `, ${labels}` : ""}}`;
const cron = '{namespace="airflow", cronjob="airflow-postgresql-backup"}';
const apiserver = (ip: string, extra = "") => `{job="apiserver", instance="${ip}:6443"${extra ? `, ${extra}` : ""}}`;

const CASES: Case[] = [
    {
        name: "Todo: 9 % 5xx of user traffic pages, however many probes succeed",
        series: {
            [`http_requests_total${todo('route="/todos", status="200"')}`]: "0+60x40",
            [`http_requests_total${todo('route="/todos", status="500"')}`]: "0+6x40",
            [`http_requests_total${todo('route="/health", status="200"')}`]: "0+600x40",
            [`up{namespace="microservices", job="todo-backend"}`]: "1x40",
        },
        at: "30m",
        expect: { TodoHighErrorRate: 1, TodoBackendDown: 0 },
    },
    {
        name: "Todo: 0.5 % 5xx does not page; p95 near 1 s warns",
        series: {
            [`http_requests_total${todo('route="/todos", status="200"')}`]: "0+60x40",
            [`http_requests_total${todo('route="/todos", status="500"')}`]: "0+0.3x40",
            [`http_request_duration_seconds_bucket${todo('route="/todos", status="200", le="0.1"')}`]: "0x40",
            [`http_request_duration_seconds_bucket${todo('route="/todos", status="200", le="1"')}`]: "0+60x40",
            [`http_request_duration_seconds_bucket${todo('route="/todos", status="200", le="+Inf"')}`]: "0+60x40",
            [`up{namespace="microservices", job="todo-backend"}`]: "0x40",
        },
        at: "30m",
        expect: { TodoHighErrorRate: 0, TodoHighLatency: 1, TodoBackendDown: 1 },
    },
    {
        name: "Stream: lag of 25 minutes of input warns; consuming nothing while events arrive pages",
        series: {
            [`sensor_producer_events_sent_total${stream("sensor-producer")}`]: "0+600x40",
            [`sensor_processor_records_total${stream("sensor-processor")}`]: "100x40",
            [`sensor_processor_consumer_lag${stream("sensor-processor", 'topic="events", partition="0"')}`]: "5000x40",
            [`sensor_processor_consumer_lag${stream("sensor-processor", 'topic="events", partition="1"')}`]: "5000x40",
            [`sensor_processor_consumer_lag${stream("sensor-processor", 'topic="events", partition="2"')}`]: "5000x40",
            [`up${stream("sensor-producer")}`]: "1x40",
        },
        at: "30m",
        expect: { StreamProcessorFallingBehind: 1, StreamProcessorStalled: 1, StreamProducerDown: 0, StreamProcessorDown: 1 },
    },
    {
        name: "Stream: 30 s of lag with a consuming processor is quiet",
        series: {
            [`sensor_producer_events_sent_total${stream("sensor-producer")}`]: "0+600x40",
            [`sensor_processor_records_total${stream("sensor-processor")}`]: "0+600x40",
            [`sensor_processor_consumer_lag${stream("sensor-processor", 'topic="events", partition="0"')}`]: "300x40",
        },
        at: "30m",
        expect: { StreamProcessorFallingBehind: 0, StreamProcessorStalled: 0 },
    },
    {
        name: "Kafka: an offline partition and no active controller page; one controller is quiet",
        series: {
            [`kafka_controller_kafkacontroller_offlinepartitionscount${kafka("platform-dual-role-0")}`]: "0 0 1x20",
            [`kafka_controller_kafkacontroller_activecontrollercount${kafka("platform-dual-role-0")}`]: "0x20",
            [`kafka_controller_kafkacontroller_activecontrollercount${kafka("platform-dual-role-1")}`]: "0x20",
            [`kafka_server_replicamanager_underreplicatedpartitions${kafka("platform-dual-role-0")}`]: "0x20",
        },
        at: "15m",
        expect: { KafkaOfflinePartitions: 1, KafkaNoActiveController: 1, KafkaUnderReplicatedPartitions: 0 },
    },
    {
        name: "Airflow: no scheduler heartbeat pages; a failed DAG run warns",
        series: {
            [`airflow_scheduler_heartbeat${airflow('type="counter"')}`]: "100x30",
            [`airflow_dagrun_failed_count${airflow('dag_id="sensor_daily_summary"')}`]: "0 0 0 1x20",
        },
        at: "20m",
        expect: { AirflowSchedulerHeartbeatMissing: 1, AirflowDagRunFailed: 1 },
    },
    {
        name: "Airflow: a beating scheduler is quiet",
        series: { [`airflow_scheduler_heartbeat${airflow('type="counter"')}`]: "0+12x30" },
        at: "20m",
        expect: { AirflowSchedulerHeartbeatMissing: 0, AirflowDagRunFailed: 0 },
    },
    {
        name: "Backups: last success 39 h ago pages; a failed backup Job warns, another CronJob's failure does not",
        series: {
            [`kube_cronjob_created${cron}`]: "0x170",
            [`kube_cronjob_status_last_successful_time${cron}`]: "3600x170",
            ['kube_job_owner{namespace="airflow", job_name="airflow-postgresql-backup-1", owner_kind="CronJob", ' +
            'owner_name="airflow-postgresql-backup", owner_is_controller="true"}']: "1x170",
            ['kube_job_failed{namespace="airflow", job_name="airflow-postgresql-backup-1", condition="true"}']: "1x170",
            ['kube_job_owner{namespace="airflow", job_name="airflow-cleanup-1", owner_kind="CronJob", ' +
            'owner_name="airflow-cleanup", owner_is_controller="true"}']: "1x170",
            ['kube_job_failed{namespace="airflow", job_name="airflow-cleanup-1", condition="true"}']: "1x170",
        },
        at: "40h",
        expect: { BackupTooOld: 1, BackupJobFailed: 1 },
        slow: true,
    },
    {
        name: "Backups: a CronJob that never succeeded pages once it is older than the limit; a daily success is quiet",
        series: {
            ['kube_cronjob_created{namespace="microservices", cronjob="todo-postgresql-backup"}']: "0x170",
            [`kube_cronjob_created${cron}`]: "0x170",
            [`kube_cronjob_status_last_successful_time${cron}`]: "0+900x170",
        },
        at: "38h",
        expect: { BackupTooOld: 1 },
        slow: true,
    },
    {
        name: "etcd: a server up 20 h without a successful snapshot pages; one snapshotting and one just replaced do not",
        series: {
            [`process_start_time_seconds${apiserver("10.0.0.2")}`]: "0x90",
            [`k3s_etcd_snapshot_save_duration_seconds_count${apiserver("10.0.0.2", 'status="success"')}`]: "1x90",
            [`process_start_time_seconds${apiserver("10.0.0.3")}`]: "0x90",
            [`k3s_etcd_snapshot_save_duration_seconds_count${apiserver("10.0.0.3", 'status="success"')}`]: "0+1x90",
            [`process_start_time_seconds${apiserver("10.0.0.4")}`]: `${19 * 3600}x90`,
        },
        at: "20h",
        expect: { EtcdSnapshotMissing: 1 },
        slow: true,
    },
    {
        name: "Certificates: 10 days left warns (not critical); the deploy certificate 6 days before expiry warns",
        series: { ['certmanager_certificate_expiration_timestamp_seconds{namespace="monitoring", name="grafana-tls"}']: `${10 * DAY}x180` },
        at: "2h",
        expect: { CertificateExpiresSoon: 1, CertificateExpiresVerySoon: 0, AdminClientCertificateExpiresSoon: 1 },
    },
];

function testFile(rules: string, slow: boolean, cases: readonly Case[] = CASES): string {
    const step = slow ? "15m" : "1m";
    return stringify({
        rule_files: [rules],
        evaluation_interval: step,
        tests: cases
            .filter((c) => (c.slow ?? false) === slow)
            .map((c) => ({
                interval: step,
                input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
                promql_expr_test: Object.entries(c.expect).map(([alert, n]) => ({
                    expr:
                        n > 0
                            ? `count(ALERTS{alertname="${alert}", alertstate="firing"})`
                            : `absent(ALERTS{alertname="${alert}", alertstate="firing"})`,
                    eval_time: c.at,
                    // absent() carries the equality matchers as labels.
                    exp_samples: [{ labels: n > 0 ? "{}" : `{alertname="${alert}", alertstate="firing"}`, value: n > 0 ? n : 1 }],
                })),
            })),
    });
}

describe("monitoring: the rules in Prometheus' rule engine (promtool)", function () {
    this.timeout(60_000);
    let dir: string;
    before(function () {
        requireDebianPackage(this, "prometheus");
        dir = tempDir("promtool");
        const groups = [
            ...todoRules(NAMESPACES.todo),
            ...streamRules(NAMESPACES.stream),
            ...airflowRules(NAMESPACES.airflow),
            ...platformRuleGroups({
                kafkaNamespace: "kafka",
                etcd: true,
                etcdSnapshotMaxAgeHours: 13,
                backupMaxAgeHours: 36,
                adminCertNotAfter: ADMIN_NOT_AFTER,
            }),
        ];
        fs.writeFileSync(path.join(dir, "rules.yml"), ruleFile(groups));
        fs.writeFileSync(path.join(dir, "minutes.yml"), testFile("rules.yml", false));
        fs.writeFileSync(path.join(dir, "hours.yml"), testFile("rules.yml", true));
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    const promtool = (...args: string[]) => spawnSync("promtool", args, { cwd: dir, encoding: "utf8" });

    it("promtool check rules accepts every rule", () => {
        const r = promtool("check", "rules", "rules.yml");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /SUCCESS: \d+ rules found/);
    });

    it(`alerts fire, and stay quiet, as an on-call engineer expects (${CASES.length} scenarios)`, () => {
        const r = promtool("test", "rules", "minutes.yml", "hours.yml");
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}\nscenarios: ${CASES.map((c, i) => `${i}: ${c.name}`).join("; ")}`);
    });

    it("a wrong expectation fails (the harness is not a rubber stamp)", () => {
        const broken = testFile("rules.yml", false, CASES.slice(0, 1)).replace(
            'count(ALERTS{alertname="TodoHighErrorRate"',
            'count(ALERTS{alertname="TodoHighLatency"',
        );
        fs.writeFileSync(path.join(dir, "broken.yml"), broken);
        assert.notEqual(promtool("test", "rules", "broken.yml").status, 0);
    });
});
