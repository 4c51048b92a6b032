/**
 * Pure rendering of k3s node user-data as `#cloud-config`. Nothing here knows about Pulumi:
 * the wiring resolves tokens, addresses and certificates and passes plain values in.
 */
import { k3sConfigProblems } from "./k3sFlags";
import { stringify } from "yaml";
import type { WriteFile } from "./writeFile";
import { installScript, K3sInstall } from "./k3sInstall";
import { keepalivedFiles, VipSpec } from "./keepalived";
import { nfsDataFiles, NfsSpec } from "./nfsData";
import { EtcdS3Credentials, EtcdS3Target, etcdS3Settings } from "./etcdS3";
import { bootstrapScript, BOOTSTRAP_SCRIPT } from "./bootstrap";
import { datastoreFiles, DatastoreSpec, DATASTORE_SCRIPT, K3S_TLS_DIR } from "./datastore";
import { METADATA_GUARD_UNIT, metadataGuardFile, USER_DATA_SCRUB_UNIT, userDataScrubUnit } from "./metadataGuard";
import { TOKEN_ROTATION_SCRIPT, tokenRotationFiles } from "./tokenRotation";
import { accessManifestFiles, AdminGroupKey, installManifestsCommand, K3S_MANIFESTS_DIR, MANIFEST_STAGING_DIR } from "./adminAccess";

/**
 * Where cloud-init puts the CAs first. write_files runs before runcmd, so a file written
 * straight into K3S_TLS_DIR would be hidden by a datastore volume mounted over k3s' server
 * directory later (k3s would then mint its own CA and no kubeconfig would match it). runcmd
 * moves them in once the directory is final; /run is tmpfs, so no copy outlives the boot.
 */
export const CA_STAGING_DIR = "/run/k3s-cluster-ca";

/** Where a staged file (a CA, an access manifest) ends up: the path k3s reads. */
export function caInstalledPath(path: string): string {
    if (path.startsWith(`${CA_STAGING_DIR}/`)) return `${K3S_TLS_DIR}/${path.slice(CA_STAGING_DIR.length + 1)}`;
    if (path.startsWith(`${MANIFEST_STAGING_DIR}/`)) return `${K3S_MANIFESTS_DIR}/${path.slice(MANIFEST_STAGING_DIR.length + 1)}`;
    return path;
}

/** The cluster CA material k3s adopts when it finds it on first start. */
export interface ClusterCaFiles {
    readonly serverCaCert: string;
    readonly serverCaKey: string;
    readonly clientCaCert: string;
    readonly clientCaKey: string;
    readonly requestHeaderCaCert: string;
    readonly requestHeaderCaKey: string;
    readonly etcdServerCaCert: string;
    readonly etcdServerCaKey: string;
    readonly etcdPeerCaCert: string;
    readonly etcdPeerCaKey: string;
    /** Service-account token signing key. */
    readonly serviceKey: string;
}

/** Secret inputs of user-data; never part of a node's spec hash. */
export interface NodeSecrets {
    /** The server token (servers only; agents get the agent token). */
    readonly token: string;
    /** The token generation before `token` (servers, while a rotation rolls out: tokenRotation.ts). */
    readonly previousToken?: string;
    readonly agentToken: string;
    /** Present on the first server (it may initialise the cluster). */
    readonly ca?: ClusterCaFiles;
    /** Object-store credential for etcd snapshots (servers with `etcdS3`). */
    readonly etcdS3?: EtcdS3Credentials;
}

interface CommonSpec {
    readonly nodeName: string;
    readonly k3sVersion: string;
    /** How the pinned k3s gets onto the node (download, mirror, preinstalled). */
    readonly k3sInstall: K3sInstall;
    readonly labels: Record<string, string>;
    /** This node's private address (k3s node-ip). */
    readonly nodeIp: string;
    readonly flannelBackend: "vxlan" | "wireguard-native";
}

export interface ServerSpec extends CommonSpec {
    readonly role: "server";
    /**
     * `join`: join `serverUrl`. `metadata` (the first server): the instance metadata decides, on
     * first boot, between cluster-init, join and a snapshot restore (bootstrap.ts).
     */
    readonly bootstrap: "join" | "metadata";
    /** Join URL (the API VIP; a single server's own address). */
    readonly serverUrl: string;
    /** Every address the API is reached at (floating IP, VIP, server addresses). */
    readonly tlsSans: readonly string[];
    readonly etcdSnapshotSchedule: string;
    readonly etcdSnapshotRetention: number;
    /** Also upload etcd snapshots to object storage. */
    readonly etcdS3?: EtcdS3Target;
    /** Keep k3s' bundled local-path StorageClass. */
    readonly localPathStorage: boolean;
    /** Taints registered with the node (k3s `node-taint`), e.g. the control-plane NoSchedule taint. */
    readonly taints?: readonly string[];
    /** keepalived VRRP for the API VIP in HA sets. */
    readonly vip?: VipSpec;
    /** Format (once) and export a data volume over NFS for RWX storage. */
    readonly nfs?: NfsSpec;
    /** k3s' server directory on a volume that outlives the VM (a single server). */
    readonly datastore?: DatastoreSpec;
    /** Groups whose cluster-admin binding this server skips (infra `revokedAdminGroups`; adminAccess.ts). */
    readonly revokedAdminGroups?: readonly AdminGroupKey[];
}

export interface AgentSpec extends CommonSpec {
    readonly role: "agent";
    readonly serverUrl: string;
    /** The pool's taints (k3s `node-taint`): registered with the node, so nothing lands before they hold. */
    readonly taints?: readonly string[];
}

export type NodeSpec = ServerSpec | AgentSpec;

function labelList(labels: Record<string, string>): string[] {
    return Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`);
}

/**
 * `/etc/rancher/k3s/config.yaml` for a node, checked against the pinned k3s' flags (k3s would
 * skip an unknown key with only a log line).
 */
export function k3sConfig(spec: NodeSpec, secrets: NodeSecrets): Record<string, unknown> {
    const config = renderK3sConfig(spec, secrets);
    const problems = k3sConfigProblems(config, spec.role);
    if (problems.length > 0)
        throw new Error(`${spec.nodeName}: the rendered k3s config would be partly ignored:\n  - ${problems.join("\n  - ")}`);
    return config;
}

function renderK3sConfig(spec: NodeSpec, secrets: NodeSecrets): Record<string, unknown> {
    const common = {
        "node-name": spec.nodeName,
        "node-ip": spec.nodeIp,
        "node-label": labelList(spec.labels),
        // The OpenStack cloud controller manager (cluster layer) initialises nodes; it finds each
        // node's VM by name, which is why VM name and node name are the same.
        "kubelet-arg": ["cloud-provider=external"],
        // kube-proxy runs on every node; Prometheus scrapes its metrics on each.
        "kube-proxy-arg": ["metrics-bind-address=0.0.0.0"],
    };
    if (spec.role === "agent") {
        return {
            ...common,
            server: spec.serverUrl,
            token: secrets.agentToken,
            ...(spec.taints?.length ? { "node-taint": [...spec.taints] } : {}),
        };
    }
    return {
        ...common,
        // The first server's cluster-init or server comes from its bootstrap drop-in.
        ...(spec.bootstrap === "join" ? { server: spec.serverUrl } : {}),
        token: secrets.token,
        "agent-token": secrets.agentToken,
        "tls-san": [...spec.tlsSans],
        // The cluster layer installs ingress-nginx; traefik would compete for 80/443.
        disable: spec.localPathStorage ? ["traefik"] : ["traefik", "local-storage"],
        // k3s' embedded cloud controller would fight the OpenStack one over node initialisation.
        "disable-cloud-controller": true,
        "secrets-encryption": true,
        "write-kubeconfig-mode": "0600",
        "flannel-backend": spec.flannelBackend,
        "etcd-snapshot-schedule-cron": spec.etcdSnapshotSchedule,
        "etcd-snapshot-retention": spec.etcdSnapshotRetention,
        ...(spec.etcdS3 && secrets.etcdS3 ? etcdS3Settings(spec.etcdS3, secrets.etcdS3) : {}),
        // etcd metrics for kube-prometheus-stack; controller-manager and scheduler series come
        // with the apiserver's (k3s serves one shared registry), so their ports stay local.
        "etcd-expose-metrics": true,
        // k3s' own series (etcd snapshot results, certificate lifetimes) on :6443/metrics, which
        // the apiserver job scrapes; the snapshot and certificate alerts read them.
        "supervisor-metrics": true,
        ...(spec.taints?.length ? { "node-taint": [...spec.taints] } : {}),
    };
}

function caWriteFiles(ca: ClusterCaFiles): WriteFile[] {
    const file = (name: string, content: string, permissions: string): WriteFile => ({
        path: `${CA_STAGING_DIR}/${name}`,
        content,
        permissions,
        owner: "root:root",
    });
    return [
        file("server-ca.crt", ca.serverCaCert, "0644"),
        file("server-ca.key", ca.serverCaKey, "0600"),
        file("client-ca.crt", ca.clientCaCert, "0644"),
        file("client-ca.key", ca.clientCaKey, "0600"),
        file("request-header-ca.crt", ca.requestHeaderCaCert, "0644"),
        file("request-header-ca.key", ca.requestHeaderCaKey, "0600"),
        file("etcd/server-ca.crt", ca.etcdServerCaCert, "0644"),
        file("etcd/server-ca.key", ca.etcdServerCaKey, "0600"),
        file("etcd/peer-ca.crt", ca.etcdPeerCaCert, "0644"),
        file("etcd/peer-ca.key", ca.etcdPeerCaKey, "0600"),
        file("service.key", ca.serviceKey, "0600"),
    ];
}

/** Modes come from write_files (cp -p); the rendered CAs win over any on a reused datastore. */
function installCaCommand(): string {
    return `mkdir -p ${K3S_TLS_DIR} && cp -Rp ${CA_STAGING_DIR}/. ${K3S_TLS_DIR}/ && rm -rf ${CA_STAGING_DIR}`;
}

export { POD_CIDR } from "./metadataGuard";

/** Renders a node's complete `#cloud-config` user-data. */
export function renderUserData(spec: NodeSpec, secrets: NodeSecrets): string {
    const writeFiles: WriteFile[] = [
        {
            path: "/etc/rancher/k3s/config.yaml",
            content: stringify(k3sConfig(spec, secrets), { lineWidth: 0 }),
            permissions: "0600",
            owner: "root:root",
        },
    ];
    // Every node mounts RWX volumes (kubelet needs the NFS client); iptables for the guard below.
    const packages: string[] = ["nfs-common", "iptables"];
    writeFiles.push(metadataGuardFile(), {
        path: `/etc/systemd/system/${USER_DATA_SCRUB_UNIT}`,
        permissions: "0644",
        content: userDataScrubUnit(),
    });
    // runcmd is one shell script: stop at the first failing step, so cloud-init reports it.
    // --no-block queues the scrub; being After=cloud-final, it runs once cloud-init is done.
    const runcmd: (string | string[])[] = [
        "set -eu",
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", METADATA_GUARD_UNIT],
        ["systemctl", "enable", USER_DATA_SCRUB_UNIT],
        ["systemctl", "start", "--no-block", USER_DATA_SCRUB_UNIT],
    ];
    // A server rendered with a previous token rotates the cluster to its own before k3s first starts.
    const rotates = spec.role === "server" && secrets.previousToken !== undefined;
    if (rotates) writeFiles.push(...tokenRotationFiles(spec.serverUrl, secrets.previousToken!, secrets.token));
    if (spec.role === "server") {
        // Every server: the bindings must be there whichever server k3s first starts on.
        writeFiles.push(...accessManifestFiles(spec.revokedAdminGroups));
        if (spec.bootstrap === "metadata") {
            if (secrets.ca) writeFiles.push(...caWriteFiles(secrets.ca));
            writeFiles.push({ path: BOOTSTRAP_SCRIPT, permissions: "0755", content: bootstrapScript(spec.serverUrl) });
        }
        if (spec.datastore) writeFiles.push(...datastoreFiles(spec.datastore));
        if (spec.vip) {
            packages.push("keepalived", "curl");
            writeFiles.push(...keepalivedFiles(spec.vip, spec.nodeIp));
        }
        if (spec.nfs) {
            packages.push("nfs-kernel-server");
            writeFiles.push(...nfsDataFiles(spec.nfs, spec.nodeName, { datastore: spec.datastore !== undefined }));
            runcmd.push(["systemd-tmpfiles", "--create", "/etc/tmpfiles.d/nfs-data.conf"]);
            runcmd.push(["systemctl", "daemon-reload"]);
            runcmd.push(
                ["systemctl", "enable", "--now", "nfs-data.path"],
                ["systemctl", "enable", "nfs-data-release.service", "nfs-data-exports.service"],
            );
        }
        if (spec.vip) {
            runcmd.push(["systemctl", "daemon-reload"]);
            runcmd.push(["systemctl", "enable", "--now", "keepalived.service"]);
        }
    }
    // k3s' data directory is mounted from its volume before k3s first starts, then the CAs go in.
    if (spec.role === "server" && spec.datastore) runcmd.push([DATASTORE_SCRIPT, "start"]);
    if (spec.role === "server" && spec.bootstrap === "metadata" && secrets.ca) runcmd.push(["sh", "-c", installCaCommand()]);
    if (spec.role === "server") runcmd.push(["sh", "-c", installManifestsCommand(spec.revokedAdminGroups)]);
    const decides = spec.role === "server" && spec.bootstrap === "metadata";
    runcmd.push(["sh", "-c", installScript(spec.k3sInstall, spec.k3sVersion, spec.role, { start: !decides && !rotates })]);
    if (decides) runcmd.push([BOOTSTRAP_SCRIPT]);
    if (rotates) runcmd.push([TOKEN_ROTATION_SCRIPT]);
    if (decides || rotates) runcmd.push(["systemctl", "start", "k3s.service"]);
    // Its watch needs k3s' kubectl and API.
    if (spec.role === "server" && spec.nfs)
        runcmd.push(["systemctl", "start", "--no-block", "nfs-data-release.service", "nfs-data-exports.service"]);
    const doc: Record<string, unknown> = {
        hostname: spec.nodeName,
        preserve_hostname: false,
        package_update: true,
        packages,
        write_files: writeFiles,
        runcmd,
    };
    return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
