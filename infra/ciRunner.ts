/**
 * The optional self-hosted GitHub Actions runner that CI's preview and deploy jobs run on, inside
 * the project's network (docs/delivery.md, "Runner path"). Its security group has no ingress rule
 * at all; the servers' group gains one rule: the Kubernetes API from this group.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import type { CiRunnerConfig } from "./ciRunnerConfig";
import { renderRunnerUserData } from "./ciRunnerCloudInit";
import { componentType, withFormerType } from "../lib/componentType";

export interface CiRunnerArgs {
    readonly runner: CiRunnerConfig;
    readonly environment: string;
    readonly networkId: pulumi.Input<string>;
    readonly subnetId: pulumi.Input<string>;
    /** The k3s servers' security group: gains "6443 from the runner". */
    readonly serversSecurityGroupId: pulumi.Input<string>;
    readonly internalApiAddress: pulumi.Input<string>;
    readonly apiAddress: pulumi.Input<string>;
    readonly keyPair: pulumi.Input<string>;
    /** GitHub token that registers a just-in-time runner per job (config secret `ciRunnerGithubToken`). */
    readonly githubToken: pulumi.Input<string>;
}

export class CiRunner extends pulumi.ComponentResource {
    readonly name: string;
    readonly address: pulumi.Output<string>;

    constructor(name: string, args: CiRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "CiRunner"), name, {}, withFormerType(componentType("infra", "CiRunner"), opts));
        const parent = { parent: this };
        const group = new openstack.networking.SecGroup(
            `${name}-secgroup`,
            { name: `${name}`, description: "GitHub Actions runner: egress only" },
            parent,
        );
        new openstack.networking.SecGroupRule(
            `${name}-api-from-runner`,
            {
                securityGroupId: args.serversSecurityGroupId,
                direction: "ingress",
                ethertype: "IPv4",
                protocol: "tcp",
                portRangeMin: 6443,
                portRangeMax: 6443,
                remoteGroupId: group.id,
                description: "Kubernetes API from the CI runner",
            },
            parent,
        );
        const port = new openstack.networking.Port(
            `${name}-port`,
            { name, networkId: args.networkId, fixedIps: [{ subnetId: args.subnetId }], securityGroupIds: [group.id] },
            parent,
        );
        this.name = `${args.environment}-deploy-runner`;
        const userData = pulumi
            .all([args.internalApiAddress, args.apiAddress, args.githubToken])
            .apply(([internalApiAddress, apiAddress, githubToken]) =>
                renderRunnerUserData({ runner: args.runner, name: this.name, internalApiAddress, apiAddress, githubToken }),
            );
        new openstack.compute.Instance(
            `${name}-vm`,
            {
                name,
                imageName: args.runner.image,
                flavorName: args.runner.flavor,
                keyPair: args.keyPair,
                networks: [{ port: port.id }],
                userData: pulumi.secret(userData),
                metadata: { role: "ci-runner", environment: args.environment, runnerVersion: args.runner.version },
            },
            // Any change of what the VM boots with (runner release, labels, token) is a new VM:
            // nothing of the old one is carried over.
            { parent: this, replaceOnChanges: ["imageName", "flavorName", "userData"] },
        );
        this.address = port.allFixedIps.apply((ips) => ips[0]);
        this.registerOutputs({ name: this.name, address: this.address });
    }
}
