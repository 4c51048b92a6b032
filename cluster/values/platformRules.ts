/**
 * Alerts for what the cluster layer runs or guards: Kafka replication (metric names from
 * jmxExporterConfig in ./kafka.ts), etcd snapshots and certificates of k3s (supervisor metrics on
 * the apiserver job), cert-manager certificates, the admin client certificate, and backup CronJobs
 * (kube-state-metrics). Pure.
 */
import { DAYS, HOURS, type RuleGroup } from "../../lib/monitoring/rules";
import { K3S_CONTROL_PLANE_JOB } from "./monitoring";

export interface PlatformRulesArgs {
    readonly kafkaNamespace: string;
    /** Whether k3s runs embedded etcd here (there are servers to take snapshots). */
    readonly etcd: boolean;
    readonly etcdSnapshotMaxAgeHours: number;
    readonly backupMaxAgeHours: number;
    /** The admin client certificate's notAfter (Unix seconds), when known. */
    readonly adminCertNotAfter?: number;
}

/** Backup CronJobs are recognised by name (`*-backup`, `*-backups`, `backup-*`). */
export const BACKUP_CRONJOB = ".*backup.*";

export function kafkaRules(ns: string): RuleGroup {
    const sel = `namespace="${ns}"`;
    return {
        name: "kafka.alerts",
        rules: [
            {
                alert: "KafkaOfflinePartitions",
                expr: `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${sel}}) > 0`,
                for: "1m",
                severity: "critical",
                summary: "Kafka has partitions without a leader",
                description: "{{ $value }} partition(s) are offline: reads and writes to them fail.",
                runbook:
                    "kubectl -n kafka get pods,kafka,kafkanodepool; " +
                    "a broker down for good needs its volume back or an unclean election decision.",
            },
            {
                alert: "KafkaUnderMinIsrPartitions",
                expr: `sum(kafka_server_replicamanager_underminisrpartitioncount{${sel}}) > 0`,
                for: "5m",
                severity: "critical",
                summary: "Kafka partitions are below min.insync.replicas",
                description: "{{ $value }} partition(s) refuse acks=all writes: the producer and processor cannot write.",
                runbook:
                    "Bring the missing broker back (pod events, PVC attachment); the Kafka dashboard shows which brokers lost replicas.",
            },
            {
                alert: "KafkaUnderReplicatedPartitions",
                expr: `sum(kafka_server_replicamanager_underreplicatedpartitions{${sel}}) > 0`,
                for: "10m",
                severity: "warning",
                summary: "Kafka partitions are under-replicated",
                description: "{{ $value }} partition(s) have fewer in-sync replicas than configured for 10 minutes.",
                runbook: "Usually a broker restarting or slow disk; check broker pods and node pressure. Lasting: a broker is gone.",
            },
            {
                alert: "KafkaNoActiveController",
                expr: `sum(kafka_controller_kafkacontroller_activecontrollercount{${sel}}) != 1`,
                for: "5m",
                severity: "critical",
                summary: "Kafka does not have exactly one active controller",
                description: "The KRaft quorum reports {{ $value }} active controllers.",
                runbook: "Controller quorum lost: check that a majority of the dual-role nodes run; Strimzi operator logs.",
            },
        ],
    };
}

export function etcdSnapshotRules(maxAgeHours: number): RuleGroup {
    const job = `job="${K3S_CONTROL_PLANE_JOB}"`;
    const window = `${maxAgeHours}h`;
    return {
        name: "etcd-snapshots.alerts",
        rules: [
            {
                // Each server snapshots its own etcd member. A server younger than the window has
                // had no chance yet, so it is not judged (servers are replaced routinely).
                alert: "EtcdSnapshotMissing",
                expr:
                    `(time() - process_start_time_seconds{${job}} > ${maxAgeHours * HOURS}) ` +
                    `unless on (instance) (increase(k3s_etcd_snapshot_save_duration_seconds_count{${job}, ` +
                    `status="success"}[${window}]) > 0)`,
                for: "30m",
                severity: "critical",
                summary: "A k3s server took no etcd snapshot",
                description: `{{ $labels.instance }} has saved no successful etcd snapshot in the last ${maxAgeHours} hours.`,
                runbook:
                    "On the server: `k3s etcd-snapshot ls`, journalctl -u k3s | grep -i snapshot " +
                    "(disk full, S3 credentials); take one with `k3s etcd-snapshot save`.",
            },
            {
                alert: "EtcdSnapshotFailed",
                expr: `increase(k3s_etcd_snapshot_save_duration_seconds_count{${job}, status!="success"}[1h]) > 0`,
                for: "0m",
                severity: "warning",
                summary: "An etcd snapshot failed",
                description: "{{ $labels.instance }} reported a failed etcd snapshot in the last hour.",
                runbook: "journalctl -u k3s on that server names the error (local disk, S3 upload).",
            },
        ],
    };
}

/** Days before the deploy certificate's expiry the alert fires (inside its 20-day renewal window). */
export const ADMIN_CERT_ALERT_DAYS = 7;

export function certificateRules(adminCertNotAfter?: number): RuleGroup {
    const days = (n: number) => n * DAYS;
    return {
        name: "certificates.alerts",
        rules: [
            {
                alert: "CertificateExpiresSoon",
                expr: `certmanager_certificate_expiration_timestamp_seconds - time() < ${days(14)}`,
                for: "1h",
                severity: "warning",
                summary: "A cert-manager certificate expires within 14 days",
                description:
                    "{{ $labels.namespace }}/{{ $labels.name }} expires in " +
                    "{{ $value | humanizeDuration }}; cert-manager should have renewed it.",
                runbook:
                    "kubectl describe certificate,certificaterequest,order,challenge -n {{ $labels.namespace }}; " +
                    "ACME HTTP-01 needs the ingress reachable on port 80.",
            },
            {
                alert: "CertificateExpiresVerySoon",
                expr: `certmanager_certificate_expiration_timestamp_seconds - time() < ${days(3)}`,
                for: "10m",
                severity: "critical",
                summary: "A cert-manager certificate expires within 3 days",
                description: "{{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}.",
                runbook: "As CertificateExpiresSoon; `cmctl renew` forces a renewal once the cause is fixed.",
            },
            {
                alert: "CertificateNotReady",
                expr: `max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1`,
                for: "30m",
                severity: "warning",
                summary: "A cert-manager certificate is not ready",
                description: "{{ $labels.namespace }}/{{ $labels.name }} has not been Ready for 30 minutes.",
                runbook:
                    "kubectl describe certificate -n {{ $labels.namespace }} {{ $labels.name }}: the events name the failing issuer step.",
            },
            {
                alert: "K3sCertificateExpiresSoon",
                expr: `min by (instance, subject) (k3s_certificate_expiration_seconds{job="${K3S_CONTROL_PLANE_JOB}"}) < ${days(30)}`,
                for: "1h",
                severity: "warning",
                summary: "A k3s certificate expires within 30 days",
                description:
                    "{{ $labels.subject }} on {{ $labels.instance }} expires in {{ $value | humanizeDuration }}; k3s renews on restart.",
                runbook:
                    "Restart k3s on that server (or replace the node) so it renews its certificates; `k3s certificate check` lists them.",
            },
            ...(adminCertNotAfter !== undefined
                ? [
                      {
                          // The deploy identity's certificate is made by the infra stack (@pulumi/tls) and
                          // is used only from outside the cluster, so nothing here can measure it: its
                          // notAfter is written into the rule on each `pulumi up` of this layer. It lives
                          // 30 days and is renewed by any infra `up` inside its last 20: below
                          // ADMIN_CERT_ALERT_DAYS nobody has deployed for a fortnight of that window.
                          alert: "AdminClientCertificateExpiresSoon",
                          expr: `vector(${adminCertNotAfter}) - time() < ${days(ADMIN_CERT_ALERT_DAYS)}`,
                          for: "1h",
                          severity: "warning" as const,
                          summary: `The deploy identity's client certificate expires within ${ADMIN_CERT_ALERT_DAYS} days`,
                          description:
                              "The kubeconfig certificate every `pulumi up`, CI and the " +
                              "drain/readiness tools use expires in {{ $value | humanizeDuration }}.",
                          runbook:
                              "Run `npm run up` for the environment (the infra stack renews it inside 20 " +
                              "days of expiry; the cluster stack then writes the new date into this rule).",
                      },
                  ]
                : []),
        ],
    };
}

export function backupRules(maxAgeHours: number): RuleGroup {
    const cron = `cronjob=~"${BACKUP_CRONJOB}"`;
    return {
        name: "backups.alerts",
        rules: [
            {
                alert: "BackupJobFailed",
                expr:
                    `max by (namespace, owner_name) (kube_job_owner{owner_kind="CronJob", owner_name=~"${BACKUP_CRONJOB}"} ` +
                    `* on (namespace, job_name) (kube_job_failed{condition="true"} == 1)) > 0`,
                for: "0m",
                severity: "warning",
                summary: "A backup job failed",
                description: "A Job of CronJob {{ $labels.namespace }}/{{ $labels.owner_name }} failed.",
                runbook: "kubectl -n {{ $labels.namespace }} logs job/<failed job>; S3 credentials, bucket, or database reachability.",
            },
            {
                alert: "BackupTooOld",
                expr:
                    `(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${cron}}) > ${maxAgeHours * HOURS}) ` +
                    `or ((time() - max by (namespace, cronjob) (kube_cronjob_created{${cron}}) > ${maxAgeHours * HOURS}) ` +
                    `unless on (namespace, cronjob) kube_cronjob_status_last_successful_time{${cron}})`,
                for: "15m",
                severity: "critical",
                summary: `No successful backup in ${maxAgeHours} hours`,
                description:
                    "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not completed a backup for {{ $value | humanizeDuration }}.",
                runbook:
                    "kubectl -n {{ $labels.namespace }} get cronjob,jobs; a suspended CronJob or repeated failures; " +
                    "run one now with `kubectl create job --from=cronjob/<name> <name>-manual`.",
            },
        ],
    };
}

export function platformRuleGroups(a: PlatformRulesArgs): RuleGroup[] {
    return [
        kafkaRules(a.kafkaNamespace),
        ...(a.etcd ? [etcdSnapshotRules(a.etcdSnapshotMaxAgeHours)] : []),
        certificateRules(a.adminCertNotAfter),
        backupRules(a.backupMaxAgeHours),
    ];
}
