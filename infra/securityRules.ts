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
    fromCidrs("api-admin", "servers", [6443, 6443], input.adminCidrs, "Kubernetes API from admin networks");
    for (const group of GROUPS) {
        fromCidrs(`ssh-admin`, group, [22, 22], input.adminCidrs, "SSH from admin networks");
        fromCidrs(`http-ingress`, group, [80, 80], input.ingressCidrs, "HTTP to ingress-nginx");
        fromCidrs(`https-ingress`, group, [443, 443], input.ingressCidrs, "HTTPS to ingress-nginx");
        for (const port of input.adminNodePorts) {
            fromCidrs(`nodeport-${port}-admin`, group, [port, port], input.adminCidrs, `NodePort ${port} from admin networks`);
        }
        for (const peer of GROUPS) {
            const from = { group: peer };
            rules.push({
                id: `kubelet-from-${peer}`,
                group,
                protocol: "tcp",
                ports: [10250, 10250],
                from,
                description: "kubelet (logs, exec, metrics)",
            });
            if (input.flannelBackend === "vxlan") {
                rules.push({ id: `vxlan-from-${peer}`, group, protocol: "udp", ports: [8472, 8472], from, description: "flannel VXLAN" });
            } else {
                rules.push({
                    id: `wireguard-from-${peer}`,
                    group,
                    protocol: "udp",
                    ports: [51820, 51821],
                    from,
                    description: "flannel WireGuard (IPv4/IPv6)",
                });
            }
            rules.push({
                id: `node-exporter-from-${peer}`,
                group,
                protocol: "tcp",
                ports: [9100, 9100],
                from,
                description: "node-exporter scraped by Prometheus",
            });
            rules.push({
                id: `kube-proxy-metrics-from-${peer}`,
                group,
                protocol: "tcp",
                ports: [10249, 10249],
                from,
                description: "kube-proxy metrics scraped by Prometheus",
            });
        }
        // Agents and pods reach the API and the supervisor on the servers.
        if (group === "servers") {
            rules.push({
                id: `api-from-${"agents"}`,
                group,
                protocol: "tcp",
                ports: [6443, 6443],
                from: { group: "agents" },
                description: "agents join and reach the API",
            });
            rules.push({
                id: `api-from-servers`,
                group,
                protocol: "tcp",
                ports: [6443, 6443],
                from: { group: "servers" },
                description: "servers join and reach the API",
            });
        }
    }
    rules.push({
        id: "etcd-from-servers",
        group: "servers",
        protocol: "tcp",
        ports: [2379, 2380],
        from: { group: "servers" },
        description: "embedded etcd client and peer traffic",
    });
    rules.push({
        id: "etcd-metrics-from-agents",
        group: "servers",
        protocol: "tcp",
        ports: [2381, 2381],
        from: { group: "agents" },
        description: "etcd metrics",
    });
    rules.push({
        id: "etcd-metrics-from-servers",
        group: "servers",
        protocol: "tcp",
        ports: [2381, 2381],
        from: { group: "servers" },
        description: "etcd metrics",
    });
    rules.push({
        id: "nfs-from-agents",
        group: "servers",
        protocol: "tcp",
        ports: [2049, 2049],
        from: { group: "agents" },
        description: "NFS (RWX volumes) from agents",
    });
    rules.push({
        id: "nfs-from-servers",
        group: "servers",
        protocol: "tcp",
        ports: [2049, 2049],
        from: { group: "servers" },
        description: "NFS (RWX volumes) from servers",
    });
    if (input.vrrp) {
        rules.push({
            id: "vrrp-from-servers",
            group: "servers",
            protocol: "vrrp",
            from: { group: "servers" },
            description: "keepalived VRRP for the API VIP",
        });
    }
    return rules;
}
