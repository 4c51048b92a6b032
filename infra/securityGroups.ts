/** Security groups for servers and agents, one rule per k3s need (see securityRules.ts). */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import { GroupName, RuleInputs, securityRules } from "./securityRules";
import { componentType, withFormerType } from "../lib/componentType";

export type ClusterSecurityGroupsArgs = RuleInputs;

export class ClusterSecurityGroups extends pulumi.ComponentResource {
    readonly servers: openstack.networking.SecGroup;
    readonly agents: openstack.networking.SecGroup;

    constructor(name: string, args: ClusterSecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            componentType("infra", "ClusterSecurityGroups"),
            name,
            {},
            withFormerType(componentType("infra", "ClusterSecurityGroups"), opts),
        );
        const group = (role: GroupName) =>
            new openstack.networking.SecGroup(`${name}-${role}`, { name: `${name}-${role}`, description: `k3s ${role}` }, { parent: this });
        this.servers = group("servers");
        this.agents = group("agents");
        const ids = { servers: this.servers.id, agents: this.agents.id };
        for (const rule of securityRules(args)) {
            new openstack.networking.SecGroupRule(
                `${name}-${rule.group}-${rule.id}`,
                {
                    securityGroupId: ids[rule.group],
                    direction: "ingress",
                    ethertype: "IPv4",
                    protocol: rule.protocol,
                    portRangeMin: rule.ports?.[0],
                    portRangeMax: rule.ports?.[1],
                    remoteIpPrefix: "cidr" in rule.from ? rule.from.cidr : undefined,
                    remoteGroupId: "group" in rule.from ? ids[rule.from.group] : undefined,
                    description: rule.description,
                },
                { parent: this },
            );
        }
        this.registerOutputs({ servers: this.servers.id, agents: this.agents.id });
    }
}
