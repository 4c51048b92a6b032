/**
 * How many nodes an environment may have, from limits the config can check: every node holds a
 * port (an address) in the subnet, every VM counts against the project's instance quota, and
 * Kubernetes itself is tested up to 5000 nodes. No arbitrary cap.
 */

/** What the check reads from infra config (structural, so config.ts can call it without a cycle). */
export interface CapacityInput {
    readonly servers: { readonly count: number };
    readonly agentPools: readonly { readonly count: number }[];
    readonly network: { readonly mode: "create"; readonly cidr: string } | { readonly mode: "existing" };
    readonly ciRunner?: unknown;
}

/** Kubernetes' documented scalability limit (nodes per cluster). */
export const KUBERNETES_MAX_NODES = 5000;
/** Addresses Neutron takes in a subnet it creates: the gateway and (typically) two DHCP ports. */
const NEUTRON_RESERVED = { gateway: 1, dhcp: 2 };

export interface CapacityProblem {
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
}

/** Usable host addresses of an IPv4 CIDR (network and broadcast address excluded). */
export function hostAddresses(cidr: string): number {
    const bits = Number(cidr.split("/")[1]);
    return Number.isInteger(bits) && bits <= 30 ? 2 ** (32 - bits) - 2 : 0;
}

/** Addresses the environment needs besides its nodes: the API VIP (HA) and the CI runner. */
function extraPorts(cfg: CapacityInput): { count: number; what: string[] } {
    const what = [...(cfg.servers.count > 1 ? ["the API VIP"] : []), ...(cfg.ciRunner ? ["the CI runner"] : [])];
    return { count: what.length, what };
}

export function nodeCapacityProblems(cfg: CapacityInput, instanceQuota?: number): CapacityProblem[] {
    const agents = cfg.agentPools.reduce((n, p) => n + p.count, 0);
    const nodes = cfg.servers.count + agents;
    const summary = `${cfg.servers.count} server(s) + ${agents} agent(s) = ${nodes} nodes`;
    const problems: CapacityProblem[] = [];
    const extra = extraPorts(cfg);
    if (cfg.network.mode === "create") {
        const usable = hostAddresses(cfg.network.cidr) - NEUTRON_RESERVED.gateway - NEUTRON_RESERVED.dhcp - extra.count;
        if (nodes > usable) {
            problems.push({
                key: "agentPools",
                value: summary,
                message:
                    `needs ${nodes} addresses, but subnetCidr ${cfg.network.cidr} leaves ${Math.max(0, usable)} for nodes ` +
                    `(${hostAddresses(cfg.network.cidr)} host addresses minus the gateway, ` +
                    `${NEUTRON_RESERVED.dhcp} DHCP ports${extra.what.map((w) => `, ${w}`).join("")}): ` +
                    "use a larger subnetCidr (a /23 holds about 500 nodes) or fewer agents",
            });
        }
    }
    if (instanceQuota !== undefined) {
        const instances = nodes + (cfg.ciRunner ? 1 : 0);
        if (instances > instanceQuota) {
            problems.push({
                key: "agentPools",
                value: summary,
                message:
                    `needs ${instances} instances${cfg.ciRunner ? " (with the CI runner)" : ""}, more than ` +
                    `instanceQuota ${instanceQuota}: raise the project's quota (and instanceQuota) or use fewer agents`,
            });
        }
    }
    if (nodes > KUBERNETES_MAX_NODES) {
        problems.push({
            key: "agentPools",
            value: summary,
            message: `is more than ${KUBERNETES_MAX_NODES} nodes, the largest cluster Kubernetes supports`,
        });
    }
    return problems;
}
