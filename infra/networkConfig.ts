/**
 * The infra layer's network configuration: the tenant network (created or existing) and who may
 * reach the nodes (admin and ingress ranges, admin NodePorts).
 */
import type { ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";

export type NetworkConfig =
    | {
          /** Create network, subnet and a router to `externalNetwork`. */
          readonly mode: "create";
          readonly cidr: string;
          readonly externalNetwork: string;
          readonly dnsNameservers: string[];
      }
    | {
          /** Attach to an existing tenant network by name (the course used "DHBW"). */
          readonly mode: "existing";
          readonly name: string;
          /** Optional: allocate a floating IP from this network for the entry point. */
          readonly externalNetwork?: string;
      };

/** The network the nodes live on: created with a router to `externalNetwork`, or an existing one. */
export function readNetwork(r: ConfigReader): NetworkConfig {
    const mode = r.oneOf("networkMode", ["create", "existing"] as const, { default: "create" });
    const externalNetwork = r.optionalString("externalNetwork");
    if (mode === "create") {
        const cidr = r.string("subnetCidr", { default: "10.0.0.0/24", check: (v) => check.ipv4Cidr(v) ?? check.specialRange(v) });
        // Nodes in the pod or service network: routes to pods and Services would shadow the nodes.
        for (const [what, net] of Object.entries(check.K3S_CLUSTER_CIDRS)) {
            if (check.cidrsOverlap(cidr, net))
                r.problem(
                    "subnetCidr",
                    cidr,
                    `overlaps k3s' ${what === "pods" ? "pod" : "service"} network ${net}: node addresses would ` +
                        `be routed into the cluster network; pick a subnet outside 10.42.0.0/15, e.g. 10.0.0.0/24`,
                );
        }
        if (externalNetwork === undefined) {
            r.problem(
                "externalNetwork",
                undefined,
                'is required when networkMode is "create": the router needs an external network (e.g. "public")',
            );
        }
        const dnsNameservers = r.stringList("dnsNameservers", { default: ["1.1.1.1", "9.9.9.9"], check: check.ipv4, minItems: 1 });
        // Nodes resolve through these from first boot, before any cluster exists, and never
        // through the cluster's DNS (CoreDNS lives in the service network and forwards to them).
        dnsNameservers.forEach((ns, i) => {
            const inside = Object.entries(check.K3S_CLUSTER_CIDRS).find(
                ([, net]) => check.ipv4(ns) === undefined && check.cidrsOverlap(`${ns}/32`, net),
            );
            if (inside)
                r.problem(
                    `dnsNameservers[${i}]`,
                    ns,
                    `is inside k3s' ${inside[0] === "pods" ? "pod" : "service"} network ${inside[1]}: ` +
                        `nodes resolve before the cluster exists, and CoreDNS forwards to ` +
                        `these servers itself; list resolvers the subnet reaches, like "9.9.9.9"`,
                );
        });
        return { mode, cidr, externalNetwork: externalNetwork ?? "", dnsNameservers };
    } else {
        return { mode, name: r.string("networkName", { allowed: 'the name of an existing network, e.g. "DHBW"' }), externalNetwork };
    }
}

/** Who may reach the nodes: SSH/API ranges, ingress ranges, and NodePorts opened to the admins. */
export function readAccess(r: ConfigReader): { adminCidrs: string[]; ingressCidrs: string[]; adminNodePorts: number[] } {
    const adminCidrs = r.stringList("adminCidrs", { check: check.ipv4Cidr, minItems: 1 });
    const ingressCidrs = r.stringList("ingressCidrs", { default: ["0.0.0.0/0"], check: check.ipv4Cidr });
    if (r.has("ingressCidrs") && ingressCidrs.length === 0) {
        r.problem(
            "ingressCidrs",
            [],
            'is empty, which would leave the ingress reachable by nobody (or, to a newcomer, look like "no restriction"): ' +
                'list the client ranges, or ["0.0.0.0/0"] with worldOpenIngress: "true" for a public ingress',
        );
    }
    // Judged on the parsed networks, not the strings: 0.0.0.0/1 + 128.0.0.0/1 is 0.0.0.0/0.
    // Opening SSH/the API, or the ingress, to a /8 or more of public space is a decision, made
    // with an explicit opt-in (docs/infra.md), never by a typo or a default.
    const worldOpenAdmin = r.boolean("worldOpenAdmin", { default: false });
    const worldOpenIngress = r.boolean("worldOpenIngress", { default: false });
    const openness = (cidrs: string[]) => check.publicAddresses(cidrs);
    if (openness(adminCidrs) >= check.WORLD_OPEN_ADDRESSES && !worldOpenAdmin) {
        r.problem(
            "adminCidrs",
            adminCidrs,
            `opens SSH and the Kubernetes API to ${openness(adminCidrs)} public addresses (a /8 or more): ` +
                `list your office/VPN ranges, or set worldOpenAdmin: "true" if you mean it`,
        );
    }
    if (openness(ingressCidrs) >= check.WORLD_OPEN_ADDRESSES && !worldOpenIngress) {
        r.problem(
            "ingressCidrs",
            ingressCidrs,
            `opens HTTP/HTTPS to ${openness(ingressCidrs)} public addresses (a /8 or ` +
                `more${r.has("ingressCidrs") ? "" : "; the default is 0.0.0.0/0"}): ` +
                `set worldOpenIngress: "true" for a public ingress, or list the client ranges`,
        );
    }

    const adminNodePorts = r.json<unknown>("adminNodePorts", { default: [], expected: "a list of NodePorts (30000-32767)" }) ?? [];
    if (!Array.isArray(adminNodePorts) || adminNodePorts.some((p) => !Number.isInteger(p) || p < 30000 || p > 32767)) {
        r.problem("adminNodePorts", adminNodePorts, "must be a list of NodePorts between 30000 and 32767");
    } else {
        adminNodePorts.forEach((p, i) => {
            if (adminNodePorts.indexOf(p) !== i)
                r.problem(`adminNodePorts[${i}]`, p, `repeats adminNodePorts[${adminNodePorts.indexOf(p)}]; list each port once`);
        });
    }
    return { adminCidrs, ingressCidrs, adminNodePorts: Array.isArray(adminNodePorts) ? (adminNodePorts as number[]) : [] };
}
