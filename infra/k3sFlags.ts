/**
 * What the pinned k3s minor accepts in /etc/rancher/k3s/config.yaml. k3s skips an unknown key
 * with only a log line, so a renamed or misspelled key (an etcd-s3 setting, a taint, a kubelet
 * argument) would silently stop applying; every rendered config is checked against these tables
 * before any node is made.
 *
 * Source: the `k3s server` and `k3s agent` flag references of the k3s documentation
 * (https://docs.k3s.io/cli/server, https://docs.k3s.io/cli/agent) for the v1.33-v1.35 releases
 * in k3sReleases.ts; the `*-arg` lists' flags are in componentFlags.ts. A key missing here is
 * added with its reference, never guessed.
 */
import { COMPONENT_FLAGS } from "./componentFlags";

/** Config keys of `k3s agent` (servers run an agent too, so servers accept these as well). */
export const K3S_AGENT_FLAGS: readonly string[] = [
    "config",
    "debug",
    "v",
    "vmodule",
    "log",
    "alsologtostderr",
    "token",
    "token-file",
    "server",
    "data-dir",
    "node-name",
    "with-node-id",
    "node-label",
    "node-taint",
    "image-credential-provider-bin-dir",
    "image-credential-provider-config",
    "docker",
    "container-runtime-endpoint",
    "default-runtime",
    "image-service-endpoint",
    "disable-default-registry-endpoint",
    "nonroot-devices",
    "pause-image",
    "snapshotter",
    "private-registry",
    "system-default-registry",
    "node-ip",
    "node-external-ip",
    "node-internal-dns",
    "node-external-dns",
    "resolv-conf",
    "flannel-iface",
    "flannel-conf",
    "flannel-cni-conf",
    "kubelet-arg",
    "kube-proxy-arg",
    "protect-kernel-defaults",
    "selinux",
    "lb-server-port",
    "airgap-extra-registry",
    "rootless",
    "prefer-bundled-bin",
    "vpn-auth",
    "vpn-auth-file",
    "disable-apiserver-lb",
    "enable-pprof",
];

/** Config keys only `k3s server` accepts. */
export const K3S_SERVER_FLAGS: readonly string[] = [
    "bind-address",
    "advertise-address",
    "advertise-port",
    "tls-san",
    "tls-san-security",
    "data-dir",
    "cluster-cidr",
    "service-cidr",
    "service-node-port-range",
    "cluster-dns",
    "cluster-domain",
    "flannel-backend",
    "flannel-ipv6-masq",
    "flannel-external-ip",
    "egress-selector-mode",
    "servicelb-namespace",
    "write-kubeconfig",
    "write-kubeconfig-mode",
    "write-kubeconfig-group",
    "helm-job-image",
    "agent-token",
    "agent-token-file",
    "cluster-init",
    "cluster-reset",
    "cluster-reset-restore-path",
    "kube-apiserver-arg",
    "etcd-arg",
    "kube-controller-manager-arg",
    "kube-scheduler-arg",
    "kube-cloud-controller-manager-arg",
    "datastore-endpoint",
    "datastore-cafile",
    "datastore-certfile",
    "datastore-keyfile",
    "etcd-expose-metrics",
    "etcd-disable-snapshots",
    "etcd-snapshot-name",
    "etcd-snapshot-schedule-cron",
    "etcd-snapshot-retention",
    "etcd-snapshot-dir",
    "etcd-snapshot-compress",
    "etcd-s3",
    "etcd-s3-endpoint",
    "etcd-s3-endpoint-ca",
    "etcd-s3-skip-ssl-verify",
    "etcd-s3-access-key",
    "etcd-s3-secret-key",
    "etcd-s3-session-token",
    "etcd-s3-bucket",
    "etcd-s3-bucket-lookup-type",
    "etcd-s3-region",
    "etcd-s3-folder",
    "etcd-s3-proxy",
    "etcd-s3-config-secret",
    "etcd-s3-insecure",
    "etcd-s3-timeout",
    "default-local-storage-path",
    "disable",
    "disable-scheduler",
    "disable-cloud-controller",
    "disable-kube-proxy",
    "disable-network-policy",
    "disable-helm-controller",
    "disable-etcd",
    "disable-apiserver",
    "disable-controller-manager",
    "embedded-registry",
    "supervisor-metrics",
    "secrets-encryption",
    "secrets-encryption-provider",
    "enable-pprof",
    "rootless",
    "system-default-registry",
    "kube-apiserver-arg",
    "node-taint",
    "node-label",
    "cluster-secret",
];

/**
 * Problems of one rendered k3s config: keys the role's k3s does not know, and `*-arg` entries
 * that are not `flag=value` with a flag the component knows.
 */
export function k3sConfigProblems(config: Record<string, unknown>, role: "server" | "agent"): string[] {
    const known = new Set([...K3S_AGENT_FLAGS, ...(role === "server" ? K3S_SERVER_FLAGS : [])]);
    const problems: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        if (!known.has(key)) {
            problems.push(
                `k3s ${role} config key "${key}" is not a flag of the pinned k3s ` +
                    `(${role === "server" ? "server and agent" : "agent"} flags, infra/k3sFlags.ts): k3s would skip it silently`,
            );
            continue;
        }
        const flags = COMPONENT_FLAGS[key];
        if (!flags) continue;
        for (const entry of Array.isArray(value) ? value : [value]) {
            const flag = typeof entry === "string" ? /^([a-z0-9-]+)=/.exec(entry)?.[1] : undefined;
            if (flag === undefined) problems.push(`k3s ${key} entry ${JSON.stringify(entry)} must be "flag=value"`);
            else if (!flags.includes(flag))
                problems.push(
                    `k3s ${key} entry "${entry}": --${flag} is not a flag the pinned Kubernetes component knows (infra/componentFlags.ts)`,
                );
        }
    }
    return problems;
}
