/**
 * What the pinned k3s minor accepts in /etc/rancher/k3s/config.yaml. k3s skips an unknown key
 * with only a log line, so a renamed or misspelled key (an etcd-s3 setting, a taint, a kubelet
 * argument) would silently stop applying; every rendered config is checked against these tables
 * before any node is made.
 *
 * Source: the `k3s server` and `k3s agent` flag references of the k3s documentation
 * (https://docs.k3s.io/cli/server, https://docs.k3s.io/cli/agent) for the v1.33-v1.35 releases
 * in k3sReleases.ts, and the component flag references of Kubernetes v1.35
 * (https://kubernetes.io/docs/reference/command-line-tools-reference/) for the
 * `*-arg` lists. The component tables list the flags this project uses or that operators commonly
 * set; a flag missing here is added with its reference, never guessed.
 */

/** Config keys of `k3s agent` (servers run an agent too, so servers accept these as well). */
export const K3S_AGENT_FLAGS: readonly string[] = [
    "config", "debug", "v", "vmodule", "log", "alsologtostderr", "token", "token-file", "server", "data-dir",
    "node-name", "with-node-id", "node-label", "node-taint", "image-credential-provider-bin-dir",
    "image-credential-provider-config", "docker", "container-runtime-endpoint", "default-runtime", "image-service-endpoint",
    "disable-default-registry-endpoint", "nonroot-devices", "pause-image", "snapshotter", "private-registry", "system-default-registry",
    "node-ip", "node-external-ip", "node-internal-dns", "node-external-dns", "resolv-conf", "flannel-iface", "flannel-conf",
    "flannel-cni-conf", "kubelet-arg", "kube-proxy-arg", "protect-kernel-defaults", "selinux", "lb-server-port", "airgap-extra-registry",
    "rootless", "prefer-bundled-bin", "vpn-auth", "vpn-auth-file", "disable-apiserver-lb", "enable-pprof",
];

/** Config keys only `k3s server` accepts. */
export const K3S_SERVER_FLAGS: readonly string[] = [
    "bind-address", "advertise-address", "advertise-port", "tls-san", "tls-san-security", "data-dir", "cluster-cidr", "service-cidr",
    "service-node-port-range", "cluster-dns", "cluster-domain", "flannel-backend", "flannel-ipv6-masq", "flannel-external-ip",
    "egress-selector-mode", "servicelb-namespace", "write-kubeconfig", "write-kubeconfig-mode", "write-kubeconfig-group",
    "helm-job-image", "agent-token", "agent-token-file", "cluster-init", "cluster-reset", "cluster-reset-restore-path",
    "kube-apiserver-arg", "etcd-arg", "kube-controller-manager-arg", "kube-scheduler-arg", "kube-cloud-controller-manager-arg",
    "datastore-endpoint", "datastore-cafile", "datastore-certfile", "datastore-keyfile", "etcd-expose-metrics",
    "etcd-disable-snapshots", "etcd-snapshot-name", "etcd-snapshot-schedule-cron", "etcd-snapshot-retention", "etcd-snapshot-dir",
    "etcd-snapshot-compress", "etcd-s3", "etcd-s3-endpoint", "etcd-s3-endpoint-ca", "etcd-s3-skip-ssl-verify", "etcd-s3-access-key",
    "etcd-s3-secret-key", "etcd-s3-session-token", "etcd-s3-bucket", "etcd-s3-bucket-lookup-type", "etcd-s3-region", "etcd-s3-folder",
    "etcd-s3-proxy", "etcd-s3-config-secret", "etcd-s3-insecure", "etcd-s3-timeout", "default-local-storage-path", "disable",
    "disable-scheduler", "disable-cloud-controller", "disable-kube-proxy", "disable-network-policy", "disable-helm-controller",
    "disable-etcd", "disable-apiserver", "disable-controller-manager", "embedded-registry", "supervisor-metrics",
    "secrets-encryption", "secrets-encryption-provider", "enable-pprof", "rootless", "system-default-registry",
    "kube-apiserver-arg", "node-taint", "node-label", "cluster-secret",
];

/** Kubernetes component flags (without the leading `--`), per `*-arg` key of the k3s config. */
export const COMPONENT_FLAGS: Readonly<Record<string, readonly string[]>> = {
    "kubelet-arg": [
        "cloud-provider", "max-pods", "eviction-hard", "eviction-soft", "eviction-soft-grace-period", "eviction-minimum-reclaim",
        "eviction-max-pod-grace-period", "eviction-pressure-transition-period", "kube-reserved", "system-reserved", "kube-reserved-cgroup",
        "system-reserved-cgroup", "enforce-node-allocatable", "image-gc-high-threshold", "image-gc-low-threshold", "image-maximum-gc-age",
        "image-minimum-gc-age", "container-log-max-size", "container-log-max-files", "serialize-image-pulls", "max-parallel-image-pulls",
        "node-status-update-frequency", "node-status-report-frequency", "cpu-manager-policy", "cpu-manager-policy-options",
        "topology-manager-policy", "topology-manager-scope", "memory-manager-policy", "reserved-memory", "reserved-cpus",
        "feature-gates", "protect-kernel-defaults", "read-only-port", "streaming-connection-idle-timeout", "event-qps", "event-burst",
        "kube-api-qps", "kube-api-burst", "registry-qps", "registry-burst", "pod-max-pids", "tls-cipher-suites", "tls-min-version",
        "rotate-certificates", "shutdown-grace-period", "shutdown-grace-period-critical-pods", "v", "allowed-unsafe-sysctls",
        "config", "cgroup-driver", "provider-id", "resolv-conf", "cluster-dns", "cluster-domain", "fail-swap-on", "node-labels",
    ],
    "kube-proxy-arg": [
        "metrics-bind-address", "proxy-mode", "ipvs-scheduler", "ipvs-strict-arp", "conntrack-max-per-core", "conntrack-min",
        "conntrack-tcp-timeout-established", "conntrack-tcp-timeout-close-wait", "healthz-bind-address", "nodeport-addresses",
        "feature-gates", "v", "iptables-sync-period", "iptables-min-sync-period",
    ],
    "kube-apiserver-arg": [
        "audit-log-path", "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize", "audit-policy-file", "admission-control-config-file",
        "enable-admission-plugins", "disable-admission-plugins", "feature-gates", "runtime-config", "service-account-issuer",
        "service-account-max-token-expiration", "oidc-issuer-url", "oidc-client-id", "oidc-username-claim", "oidc-groups-claim",
        "oidc-username-prefix", "oidc-groups-prefix", "oidc-ca-file", "authentication-config", "authorization-config",
        "encryption-provider-config", "event-ttl", "max-requests-inflight", "max-mutating-requests-inflight", "request-timeout",
        "tls-cipher-suites", "tls-min-version", "default-not-ready-toleration-seconds", "default-unreachable-toleration-seconds",
        "profiling", "v", "anonymous-auth",
    ],
    "kube-controller-manager-arg": [
        "node-monitor-grace-period", "node-monitor-period", "terminated-pod-gc-threshold", "bind-address", "profiling", "feature-gates",
        "v", "cluster-signing-duration", "concurrent-deployment-syncs", "concurrent-statefulset-syncs",
    ],
    "kube-scheduler-arg": ["bind-address", "profiling", "feature-gates", "v", "config"],
    "etcd-arg": ["quota-backend-bytes", "heartbeat-interval", "election-timeout", "snapshot-count", "auto-compaction-retention", "auto-compaction-mode"],
};

/**
 * Problems of one rendered k3s config: keys the role's k3s does not know, and `*-arg` entries
 * that are not `flag=value` with a flag the component knows.
 */
export function k3sConfigProblems(config: Record<string, unknown>, role: "server" | "agent"): string[] {
    const known = new Set([...K3S_AGENT_FLAGS, ...(role === "server" ? K3S_SERVER_FLAGS : [])]);
    const problems: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        if (!known.has(key)) {
            problems.push(`k3s ${role} config key "${key}" is not a flag of the pinned k3s (${role === "server" ? "server and agent" : "agent"} flags, infra/k3sFlags.ts): k3s would skip it silently`);
            continue;
        }
        const flags = COMPONENT_FLAGS[key];
        if (!flags) continue;
        for (const entry of Array.isArray(value) ? value : [value]) {
            const flag = typeof entry === "string" ? /^([a-z0-9-]+)=/.exec(entry)?.[1] : undefined;
            if (flag === undefined) problems.push(`k3s ${key} entry ${JSON.stringify(entry)} must be "flag=value"`);
            else if (!flags.includes(flag)) problems.push(`k3s ${key} entry "${entry}": --${flag} is not a flag the pinned Kubernetes component knows (infra/k3sFlags.ts)`);
        }
    }
    return problems;
}
