/** What each cluster key is for (docs/config.md); the reader supplies kind, default and allowed values. */
import type { KeyDocs } from "../keyDoc";

export const CLUSTER_KEYS: KeyDocs = {
    environment: { meaning: "environment name; must match the stack name `<environment>-cluster`" },
    infraOrganization: {
        meaning: "organization of the infra stack; set it only when infra lives in another organization",
        default: "this program's organization",
    },
    infraProject: { meaning: "project of the infra stack", default: "this project" },
    infraStack: { meaning: "the same environment's infra stack (another environment's is refused)", default: "`<environment>-infra`" },
    chartVersions: {
        meaning:
            'chart → exact version, e.g. `{"ingress-nginx": "4.15.1"}`; ' +
            "defaults in `DEFAULT_CHARTS` ([cluster.md](cluster.md#what-it-installs))",
        allowed:
            "a map of chart name (ingress-nginx, kube-prometheus-stack, strimzi-kafka-operator, " +
            "openstack-cloud-controller-manager, openstack-cinder-csi, csi-driver-nfs, snapshot-controller, " +
            "cert-manager) to exact version",
        irreversible: ["operator-downgrade"],
    },
    images: {
        meaning: "main images of the charts → pinned image; the other cert-manager images follow `certManagerController`'s tag",
        allowed:
            "a map of `ingressController`, `cloudControllerManager`, `cinderCsiPlugin`, `nfsCsiPlugin`, " +
            "`snapshotController`, `strimziOperator`, `certManagerController` to a pinned image",
        irreversible: ["operator-downgrade"],
    },
    defaultStorageClass: { meaning: "default (RWO) StorageClass: Cinder, or k3s' node-local `local-path` by explicit choice" },
    cinderVolumeType: { meaning: "Cinder volume type of the `cinder` class", default: "the cloud's default" },
    volumeAvailabilityZone: {
        meaning: "one Cinder availability zone for new volumes (the class' `availability`)",
        default: "the mounting node's zone",
    },
    nodeVolumeAttachLimit: { meaning: "volumes one node may have attached (cloud.conf `node-volume-attach-limit`)" },
    grafanaHost: { meaning: "Grafana's ingress host", default: "any host on the ingress address" },
    grafanaPath: { meaning: "Grafana's ingress path (a sub-path Grafana serves)" },
    grafanaNodePort: { meaning: "opt-in: also expose Grafana over plain HTTP on this NodePort (infra's `adminNodePorts` must list it)" },
    grafanaAllowedCidrs: {
        meaning: 'addresses Grafana\'s Ingress admits; `["0.0.0.0/0"]` opens it to everyone',
        default: "infra's `adminCidrs`",
    },
    acmeEmail: { meaning: "ACME account e-mail: enables the `letsencrypt` ClusterIssuer for public DNS names" },
    platformCaDomains: {
        meaning: "DNS domains the platform CA may sign names under (its name constraints); list the apps' host domains",
        allowed: "a list of DNS names, at least one",
        default: "`grafanaHost` (none without it)",
    },
    acmeServer: { meaning: "ACME directory URL (Let's Encrypt staging for trials)" },
    kafkaVersion: { meaning: "Kafka version (those the pinned Strimzi supports)", irreversible: ["kafka-downgrade"] },
    kafkaBrokers: { meaning: "dual-role Kafka nodes (at least 3 in prod)" },
    kafkaPartitions: { meaning: "partitions of the `events` and `results` topics", irreversible: ["kafka-partitions-decrease"] },
    kafkaClusterName: { meaning: "name of the `Kafka` resource" },
    ingressReplicas: { meaning: "ingress controller replicas", retired: "one controller on each server, where the ingress address lands" },
    prometheusRetention: { meaning: "how long Prometheus keeps samples" },
    minHeadroomPercent: { meaning: "share of the nodes' allocatable CPU/memory this layer must leave free for the apps" },
    ingressCpu: { meaning: "CPU request of each ingress controller (one per server)" },
    ingressMemory: { meaning: "memory request of each ingress controller; its limit is 4× the request, at least 512Mi" },
    prometheusStorageGi: { meaning: "Prometheus volume (GiB)", irreversible: ["volume-shrink"] },
    alertmanagerStorageGi: { meaning: "Alertmanager volume (GiB)", irreversible: ["volume-shrink"] },
    alertmanagerReplicas: { meaning: "Alertmanager replicas" },
    prometheusCpu: { meaning: "Prometheus CPU request" },
    prometheusMemory: { meaning: "Prometheus memory request" },
    kafkaStorageGi: { meaning: "volume per Kafka broker (GiB)", irreversible: ["volume-shrink"] },
    kafkaBrokerCpu: { meaning: "Kafka broker CPU request" },
    kafkaBrokerMemory: { meaning: "Kafka broker memory request (heap = half of it)" },
    kafkaClientNamespaces: { meaning: "namespaces whose pods may reach the Kafka listeners" },
    protectData: {
        meaning: "`protect` the Kafka resources and keep volumes, claims and snapshots (`false`: `Delete`, `deleteClaim: true`)",
    },
    alertEmailTo: { meaning: "e-mail receiver of alerts ([monitoring.md](monitoring.md#where-alerts-go))" },
    alertEmailFrom: { meaning: "sender address (required with `alertEmailTo`)" },
    alertSmtpSmarthost: { meaning: "SMTP `host:port` (required with `alertEmailTo`)" },
    alertSmtpUsername: { meaning: "SMTP user (with `alertSmtpPassword`)" },
    alertSmtpPassword: { meaning: "SMTP password (with `alertSmtpUsername`)" },
    alertSmtpRequireTls: { meaning: "require STARTTLS to the smarthost" },
    alertSlackWebhookUrl: { meaning: "Slack receiver's incoming-webhook URL" },
    alertSlackChannel: { meaning: "Slack channel (with `alertSlackWebhookUrl`)", allowed: "a channel name like `#alerts`" },
    alertWebhookUrl: { meaning: "any Alertmanager webhook receiver (e.g. a Matrix bridge)" },
    etcdSnapshotMaxAgeHours: { meaning: "hours without a successful etcd snapshot before alerting" },
    backupMaxAgeHours: { meaning: "hours without a successful database backup before alerting" },
};
