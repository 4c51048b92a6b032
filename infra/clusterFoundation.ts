/**
 * What every node of a cluster needs, made once per cluster: network, security groups, key pair,
 * server groups, join tokens and PKI. Resources are parented to the cluster component, so their
 * names and URNs are the cluster's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import * as random from "@pulumi/random";
import type { InfraConfig } from "./config";
import { ClusterNetwork } from "./network";
import { ClusterSecurityGroups } from "./securityGroups";
import { ClusterPki } from "./pki";
import { serverTokens, ServerTokens } from "./serverTokens";
import { specHash } from "../lib/naming";

export interface Foundation {
    readonly network: ClusterNetwork;
    readonly groups: ClusterSecurityGroups;
    readonly keypair: openstack.compute.Keypair;
    readonly serverGroupOf: (zone: string | undefined) => openstack.compute.ServerGroup;
    readonly token: ServerTokens;
    readonly agentToken: random.RandomPassword;
    readonly pki: ClusterPki;
}

/** Nova server-group policies for soft/hard anti-affinity. */
export function affinityPolicy(kind: InfraConfig["antiAffinity"]): string {
    return kind === "hard" ? "anti-affinity" : "soft-anti-affinity";
}

export function createFoundation(name: string, cfg: InfraConfig, previous: pulumi.StackReference, cluster: pulumi.Resource): Foundation {
    const parent = { parent: cluster };
    const network = new ClusterNetwork(`${name}-network`, { network: cfg.network }, parent);
    const groups = new ClusterSecurityGroups(
        `${name}-secgroup`,
        {
            adminCidrs: cfg.adminCidrs,
            ingressCidrs: cfg.ingressCidrs,
            adminNodePorts: cfg.adminNodePorts,
            flannelBackend: cfg.flannelBackend,
            vrrp: cfg.servers.count > 1,
        },
        parent,
    );
    // OpenStack replaces a key pair whose public key changes; a name that carries the key's
    // hash lets the new one be created before the old one goes (names are unique per user).
    const keypair = new openstack.compute.Keypair(
        `${name}-keypair`,
        { name: `${name}-${specHash(cfg.sshPublicKey.trim())}`, publicKey: cfg.sshPublicKey },
        parent,
    );
    // Servers: one group, or one per zone when zones are configured (the agents' are their pools').
    const serverGroups = new Map<string | undefined, openstack.compute.ServerGroup>();
    const serverGroupOf = (zone: string | undefined) => {
        if (!serverGroups.has(zone)) {
            const suffix = zone ? `-${zone}` : "";
            serverGroups.set(
                zone,
                new openstack.compute.ServerGroup(
                    `${name}-servers-group${suffix}`,
                    { name: `${name}-servers${suffix}`, policies: [affinityPolicy(cfg.antiAffinity)] },
                    parent,
                ),
            );
        }
        return serverGroups.get(zone)!;
    };
    // Tokens are generated once and survive every node replacement; the server token rotates
    // by generation (serverTokens.ts), the agent token is replaced only on purpose.
    const token = serverTokens(name, cfg.serverTokenGeneration, previous, parent);
    const agentToken = new random.RandomPassword(`${name}-agent-token`, { length: 48, special: false }, parent);
    const pki = new ClusterPki(`${name}-pki`, { clusterName: name }, parent);
    return { network, groups, keypair, serverGroupOf, token, agentToken, pki };
}
