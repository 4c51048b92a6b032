/**
 * The security-group rules k3s needs, one per need, as pure data. Intra-cluster rules name a
 * remote group instead of a CIDR, so only cluster members reach kubelet, VXLAN and etcd.
 */
import type { FlannelBackend } from "./config";

export type GroupName = "servers" | "agents";

export interface RuleSpec {
    /** Stable rule id, used in resource names. */
    readonly id: string;
    /** Group the rule is attached to. */
    readonly group: GroupName;
    readonly protocol: "tcp" | "udp" | "vrrp";
    readonly ports?: readonly [number, number];
    /** Either CIDRs or a remote group. */
    readonly from: { readonly cidr: string } | { readonly group: GroupName };
    readonly description: string;
}

export interface RuleInputs {
    readonly adminCidrs: readonly string[];
    readonly ingressCidrs: readonly string[];
    /** NodePorts reachable from the admin networks. */
    readonly adminNodePorts: readonly number[];
    readonly flannelBackend: FlannelBackend;
    /** keepalived VRRP between servers (HA sets). */
    readonly vrrp: boolean;
}

const GROUPS: readonly GroupName[] = ["servers", "agents"];

function slug(cidr: string): string {
    return cidr.replace(/[./]/g, "-");
}

export function securityRules(input: RuleInputs): RuleSpec[] {
    const rules: RuleSpec[] = [];
    const fromCidrs = (id: string, group: GroupName, ports: readonly [number, number], cidrs: readonly string[], description: string) =>
        cidrs.forEach((cidr) => rules.push({ id: `${id}-${slug(cidr)}`, group, protocol: "tcp", ports, from: { cidr }, description }));
    // Intra-cluster rules name the peer group, not an address: only cluster members match.
    const fromGroup = (
        id: string,
        group: GroupName,
        peer: GroupName,
        protocol: RuleSpec["protocol"],
        ports: readonly [number, number] | undefined,
        description: string,
    ) => rules.push({ id, group, protocol, ...(ports && { ports }), from: { group: peer }, description });
    fromCidrs("api-admin", "servers", [6443, 6443], input.adminCidrs, "Kubernetes API from admin networks");
    for (const group of GROUPS) {
        fromCidrs(`ssh-admin`, group, [22, 22], input.adminCidrs, "SSH from admin networks");
        fromCidrs(`http-ingress`, group, [80, 80], input.ingressCidrs, "HTTP to ingress-nginx");
        fromCidrs(`https-ingress`, group, [443, 443], input.ingressCidrs, "HTTPS to ingress-nginx");
        for (const port of input.adminNodePorts) {
            fromCidrs(`nodeport-${port}-admin`, group, [port, port], input.adminCidrs, `NodePort ${port} from admin networks`);
        }
        for (const peer of GROUPS) {
            fromGroup(`kubelet-from-${peer}`, group, peer, "tcp", [10250, 10250], "kubelet (logs, exec, metrics)");
            if (input.flannelBackend === "vxlan") {
                fromGroup(`vxlan-from-${peer}`, group, peer, "udp", [8472, 8472], "flannel VXLAN");
            } else {
                fromGroup(`wireguard-from-${peer}`, group, peer, "udp", [51820, 51821], "flannel WireGuard (IPv4/IPv6)");
            }
            fromGroup(`node-exporter-from-${peer}`, group, peer, "tcp", [9100, 9100], "node-exporter scraped by Prometheus");
            fromGroup(`kube-proxy-metrics-from-${peer}`, group, peer, "tcp", [10249, 10249], "kube-proxy metrics scraped by Prometheus");
        }
        // Agents and pods reach the API and the supervisor on the servers.
        if (group === "servers") {
            fromGroup("api-from-agents", group, "agents", "tcp", [6443, 6443], "agents join and reach the API");
            fromGroup("api-from-servers", group, "servers", "tcp", [6443, 6443], "servers join and reach the API");
        }
    }
    fromGroup("etcd-from-servers", "servers", "servers", "tcp", [2379, 2380], "embedded etcd client and peer traffic");
    fromGroup("etcd-metrics-from-agents", "servers", "agents", "tcp", [2381, 2381], "etcd metrics");
    fromGroup("etcd-metrics-from-servers", "servers", "servers", "tcp", [2381, 2381], "etcd metrics");
    fromGroup("nfs-from-agents", "servers", "agents", "tcp", [2049, 2049], "NFS (RWX volumes) from agents");
    fromGroup("nfs-from-servers", "servers", "servers", "tcp", [2049, 2049], "NFS (RWX volumes) from servers");
    if (input.vrrp) fromGroup("vrrp-from-servers", "servers", "servers", "vrrp", undefined, "keepalived VRRP for the API VIP");
    return rules;
}
