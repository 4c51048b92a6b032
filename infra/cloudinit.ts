/**
 * Pure rendering of k3s node user-data as `#cloud-config`. Nothing here knows about Pulumi:
 * the wiring resolves tokens, addresses and certificates and passes plain values in.
 */
import { stringify } from "yaml";

/** Where k3s looks for pre-existing CAs before its first start (server nodes only). */
export const K3S_TLS_DIR = "/var/lib/rancher/k3s/server/tls";

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
    readonly agentToken: string;
    /** Present on the node that initialises the cluster. */
    readonly ca?: ClusterCaFiles;
}

interface CommonSpec {
    readonly nodeName: string;
    readonly k3sVersion: string;
    readonly labels: Record<string, string>;
    /** This node's private address (k3s node-ip). */
    readonly nodeIp: string;
    readonly flannelBackend: "vxlan" | "wireguard-native";
}

export interface ServerSpec extends CommonSpec {
    readonly role: "server";
    /** Initialise a new embedded-etcd cluster (first server only); otherwise join `serverUrl`. */
    readonly clusterInit: boolean;
    /** Join URL for servers that do not initialise the cluster. */
    readonly serverUrl?: string;
    /** Every address the API is reached at (floating IP, VIP, server addresses). */
    readonly tlsSans: readonly string[];
    readonly etcdSnapshotSchedule: string;
    readonly etcdSnapshotRetention: number;
    /** Keep k3s' bundled local-path StorageClass. */
    readonly localPathStorage: boolean;
    /** Taints registered with the node (k3s `node-taint`), e.g. the control-plane NoSchedule taint. */
    readonly taints?: readonly string[];
    /** keepalived VRRP for the API VIP in HA sets. */
    readonly vip?: { readonly address: string; readonly peers: readonly string[]; readonly priority: number; readonly routerId: number };
    /** Format (once) and export a data volume over NFS for RWX storage. */
    readonly nfs?: { readonly volumeId: string; readonly exportPath: string; readonly clientCidr: string };
}

export interface AgentSpec extends CommonSpec {
    readonly role: "agent";
    readonly serverUrl: string;
}

export type NodeSpec = ServerSpec | AgentSpec;

/** The k3s install script of the pinned release (same tag as the binary it installs). */
export function installScriptUrl(k3sVersion: string): string {
    return `https://raw.githubusercontent.com/k3s-io/k3s/${encodeURIComponent(k3sVersion)}/install.sh`;
}

function labelList(labels: Record<string, string>): string[] {
    return Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`);
}

/** `/etc/rancher/k3s/config.yaml` for a node. */
export function k3sConfig(spec: NodeSpec, secrets: NodeSecrets): Record<string, unknown> {
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
        return { ...common, server: spec.serverUrl, token: secrets.agentToken };
    }
    return {
        ...common,
        ...(spec.clusterInit ? { "cluster-init": true } : { server: spec.serverUrl }),
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
        // etcd metrics for kube-prometheus-stack; controller-manager and scheduler series come
        // with the apiserver's (k3s serves one shared registry), so their ports stay local.
        "etcd-expose-metrics": true,
        // k3s' own series (etcd snapshot results, certificate lifetimes) on :6443/metrics, which
        // the apiserver job scrapes; the snapshot and certificate alerts read them.
        "supervisor-metrics": true,
        ...(spec.taints?.length ? { "node-taint": [...spec.taints] } : {}),
    };
}

interface WriteFile {
    path: string;
    content: string;
    permissions: string;
    owner?: string;
}

function caWriteFiles(ca: ClusterCaFiles): WriteFile[] {
    const file = (name: string, content: string, permissions: string): WriteFile => ({
        path: `${K3S_TLS_DIR}/${name}`,
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

/** Replaced at boot with the interface of the default route (image-dependent: ens3, eth0...). */
const IFACE_PLACEHOLDER = "__DEFAULT_IFACE__";

/** keepalived holds the API VIP on a server whose API answers /readyz. */
function keepalivedConfig(vip: NonNullable<ServerSpec["vip"]>, nodeIp: string): string {
    return [
        "vrrp_script k3s_api {",
        '  script "/usr/local/bin/k3s-api-ready"',
        "  interval 2",
        "  fall 2",
        "  rise 2",
        "}",
        "vrrp_instance k3s_api {",
        "  state BACKUP",
        `  interface ${IFACE_PLACEHOLDER}`,
        `  virtual_router_id ${vip.routerId}`,
        `  priority ${vip.priority}`,
        "  advert_int 1",
        `  unicast_src_ip ${nodeIp}`,
        "  unicast_peer {",
        ...vip.peers.map((p) => `    ${p}`),
        "  }",
        "  virtual_ipaddress {",
        `    ${vip.address}`,
        "  }",
        "  track_script {",
        "    k3s_api",
        "  }",
        "}",
        "",
    ].join("\n");
}

/**
 * The NFS export lives on a Cinder volume. systemd waits for the volume's device to appear
 * (it is attached after boot), formats it only if it holds no filesystem, then mounts it.
 */
function nfsUnits(nfs: NonNullable<ServerSpec["nfs"]>): WriteFile[] {
    // Virtio exposes the first 20 characters of the Cinder volume id as the disk serial.
    const device = `/dev/disk/by-id/virtio-${nfs.volumeId.slice(0, 20)}`;
    const deviceUnit = `${device.slice(1).replace(/-/g, "\\x2d").replace(/\//g, "-")}.device`;
    const mountUnit = `${nfs.exportPath.slice(1).replace(/-/g, "\\x2d").replace(/\//g, "-")}.mount`;
    return [
        {
            path: "/etc/systemd/system/nfs-data-format.service",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=Create a filesystem on the NFS data volume if it has none",
                `Requires=${deviceUnit}`,
                `After=${deviceUnit}`,
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                `ExecStart=/bin/sh -c 'blkid ${device} || mkfs.ext4 -L nfs-data ${device}'`,
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        },
        {
            path: `/etc/systemd/system/${mountUnit}`,
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=NFS data volume",
                "Requires=nfs-data-format.service",
                "After=nfs-data-format.service",
                "[Mount]",
                `What=${device}`,
                `Where=${nfs.exportPath}`,
                "Type=ext4",
                "Options=defaults,noatime",
                "[Install]",
                "WantedBy=multi-user.target nfs-server.service",
                "",
            ].join("\n"),
        },
        {
            // nfs-server must never export the directory of the root disk (lost with the VM).
            path: "/etc/systemd/system/nfs-server.service.d/data-volume.conf",
            permissions: "0644",
            content: `[Unit]\nRequiresMountsFor=${nfs.exportPath}\n`,
        },
        {
            path: "/etc/exports.d/k3s-data.exports",
            permissions: "0644",
            content: `${nfs.exportPath} ${nfs.clientCidr}(rw,sync,no_subtree_check,no_root_squash)\n`,
        },
    ];
}

/** k3s' default pod network. */
export const POD_CIDR = "10.42.0.0/16";
const METADATA_GUARD_UNIT = "pod-metadata-guard.service";

/**
 * User-data holds the join tokens (and, on the first server, the CA keys); the metadata service
 * hands it to anyone on the VM who asks. Pods must not be able to ask: drop pod traffic to the
 * metadata address in the raw table, which k3s' own rule management never touches. Host-network
 * pods (cloud controller, cinder-csi) keep their access.
 */
function metadataGuard(): WriteFile {
    const rule = `PREROUTING -s ${POD_CIDR} -d 169.254.169.254/32 -j DROP`;
    return {
        path: `/etc/systemd/system/${METADATA_GUARD_UNIT}`,
        permissions: "0644",
        content: [
            "[Unit]",
            "Description=Keep pods away from the metadata service (it serves this node's user-data)",
            "Before=k3s.service k3s-agent.service",
            "After=network-pre.target",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            `ExecStart=/bin/sh -c 'iptables -t raw -C ${rule} 2>/dev/null || iptables -t raw -I ${rule}'`,
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ].join("\n"),
    };
}

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
    writeFiles.push(metadataGuard());
    const runcmd: string[][] = [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", METADATA_GUARD_UNIT]];
    if (spec.role === "server") {
        if (spec.clusterInit && secrets.ca) writeFiles.push(...caWriteFiles(secrets.ca));
        if (spec.vip) {
            packages.push("keepalived");
            writeFiles.push(
                {
                    path: "/usr/local/bin/k3s-api-ready",
                    permissions: "0755",
                    content: "#!/bin/sh\nexec /usr/local/bin/k3s kubectl get --raw=/readyz >/dev/null 2>&1\n",
                },
                { path: "/etc/keepalived/keepalived.conf", permissions: "0644", content: keepalivedConfig(spec.vip, spec.nodeIp) },
            );
        }
        if (spec.nfs) {
            packages.push("nfs-kernel-server");
            writeFiles.push(...nfsUnits(spec.nfs));
            const mountUnit = `${spec.nfs.exportPath.slice(1).replace(/-/g, "\\x2d").replace(/\//g, "-")}.mount`;
            runcmd.push(["systemctl", "daemon-reload"]);
            runcmd.push(["systemctl", "enable", "--now", "nfs-data-format.service", mountUnit]);
            runcmd.push(["systemctl", "restart", "nfs-server.service"]);
            runcmd.push(["sh", "-c", `mountpoint -q ${spec.nfs.exportPath} && exportfs -ra`]);
        }
        if (spec.vip) {
            runcmd.push([
                "sh",
                "-c",
                `iface=$(ip -o -4 route show to default | awk '{print $5; exit}'); sed -i "s/${IFACE_PLACEHOLDER}/$iface/" /etc/keepalived/keepalived.conf`,
            ]);
            runcmd.push(["systemctl", "enable", "--now", "keepalived"]);
        }
    }
    // The install script is taken from the same release tag as the binary, which it verifies
    // against the release's checksums.
    runcmd.push([
        "sh",
        "-c",
        `curl -sfL --retry 10 --retry-all-errors -o /run/k3s-install.sh ${installScriptUrl(spec.k3sVersion)} && ` +
            `INSTALL_K3S_VERSION='${spec.k3sVersion}' INSTALL_K3S_EXEC='${spec.role}' sh /run/k3s-install.sh`,
    ]);
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
