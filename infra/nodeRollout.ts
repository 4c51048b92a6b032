/**
 * The order in which a cluster's nodes are created and replaced: servers one at a time, each
 * after the previous one is Ready (etcd keeps its quorum), then each agent pool after the one
 * before in batches of its maxUnavailable, and a readiness gate over them all.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { InfraConfig } from "./config";
import { K3sNode, LIFECYCLE_CLI } from "./k3sNode";
import { AgentPool } from "./agentPool";
import type { Foundation } from "./clusterFoundation";
import { EntryPoint, fixedIp } from "./entryPoint";
import { hasDatastoreVolume, isFirstServer, NodeSlot } from "./nodes";
import type { UserDataOf, Volumes } from "./nodeUserData";

/** What every step of the rollout reads; `cluster` parents each node. */
export interface Rollout {
    readonly name: string;
    readonly cfg: InfraConfig;
    readonly base: Foundation;
    readonly entry: EntryPoint;
    readonly names: Map<string, string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly userDataOf: UserDataOf;
    readonly cluster: pulumi.Resource;
}

/** Servers one at a time, each after the previous one is Ready (etcd keeps its quorum). */
export function rollOutServers(
    r: Rollout,
    serverSlots: readonly NodeSlot[],
    volumes: Volumes,
    bootstrap: pulumi.Output<string>,
): K3sNode[] {
    const { name, cfg, base, entry } = r;
    let after: pulumi.Resource[] = [];
    const nodes: K3sNode[] = [];
    for (const slot of serverSlots) {
        const node = r.names.get(slot.key)!;
        const port = entry.ports.get(slot.key)!;
        const k3sNode = new K3sNode(
            `${name}-${slot.key}`,
            {
                slot,
                nodeName: node,
                environment: cfg.environment,
                k3sVersion: cfg.k3sVersion,
                portId: port.id,
                userData: r.userDataOf(slot, node, fixedIp(port)),
                keyPair: base.keypair.name,
                serverGroupId: base.serverGroupOf(slot.zone).id,
                kubeconfig: r.kubeconfig,
                timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
                taskGraceSeconds: cfg.drainTaskGraceMinutes * 60,
                after,
                needs: base.network.ready,
                dataVolumeId: isFirstServer(slot) ? volumes.nfs : undefined,
                datastoreVolumeId: hasDatastoreVolume(cfg, slot) ? volumes.datastore! : undefined,
                // Updated in place (no new VM): read by server-0 on its first boot only.
                bootstrapMetadata: isFirstServer(slot) ? bootstrap : undefined,
            },
            { parent: r.cluster },
        );
        nodes.push(k3sNode);
        after = [k3sNode.lifecycle];
    }
    return nodes;
}

/** Then each pool after the one before (after the last server), in batches of its maxUnavailable. */
export function rollOutAgentPools(r: Rollout, slots: readonly NodeSlot[], servers: readonly K3sNode[]): K3sNode[] {
    const { name, cfg, base } = r;
    let after: pulumi.Resource[] = servers.length > 0 ? [servers[servers.length - 1].lifecycle] : [];
    const nodes: K3sNode[] = [];
    for (const pool of cfg.agentPools) {
        const agentPool = new AgentPool(
            `${name}-pool-${pool.name}`,
            {
                clusterName: name,
                pool,
                slots: slots.filter((s) => s.role === "agent" && s.pool === pool.name),
                nodeNames: r.names,
                environment: cfg.environment,
                k3sVersion: cfg.k3sVersion,
                networkId: base.network.networkId,
                subnetId: base.network.subnetId,
                securityGroupId: base.groups.agents.id,
                keyPair: base.keypair.name,
                kubeconfig: r.kubeconfig,
                timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
                taskGraceSeconds: cfg.drainTaskGraceMinutes * 60,
                userData: (slot, node, nodeIp) => r.userDataOf(slot, node, nodeIp),
                after,
                needs: base.network.ready,
                formerParent: r.cluster,
            },
            { parent: r.cluster },
        );
        for (const [key, port] of agentPool.ports) r.entry.ports.set(key, port);
        nodes.push(...agentPool.nodes);
        if (agentPool.lastBatch.length > 0) after = agentPool.lastBatch;
    }
    return nodes;
}

/** Completes when the API answers /readyz and every node is Ready. */
export function readinessGate(r: Rollout, allNames: string[], nodes: readonly K3sNode[]): command.local.Command {
    return new command.local.Command(
        `${r.name}-ready`,
        {
            create: `${LIFECYCLE_CLI} wait-cluster`,
            environment: {
                KUBECONFIG_DATA: r.kubeconfig,
                NODE_NAMES: allNames.join(","),
                TIMEOUT_SECONDS: String(r.cfg.readinessTimeoutMinutes * 60),
            },
            triggers: allNames,
        },
        { parent: r.cluster, dependsOn: nodes.map((n) => n.lifecycle) },
    );
}
