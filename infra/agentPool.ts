/**
 * One agent pool: its server group(s), its nodes' stable ports and its nodes, rolled in batches
 * of `maxUnavailable`. A node of batch b is created (and so replaced) only after every node of
 * batch b-1 is Ready; the first batch waits for `after` (the servers, or the previous pool).
 *
 * Pool `default` holds the nodes of the pre-pool configuration under their old resource names;
 * aliases to their old parent (the cluster) keep them, so moving `agentCount`/`agentFlavor` into
 * `agentPools.default` replaces nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import { K3sNode } from "./k3sNode";
import type { AgentPoolConfig } from "./pools";
import { DEFAULT_POOL } from "./pools";
import type { NodeSlot } from "./nodes";
import { componentType, formerUrnOf, withFormerType } from "../lib/componentType";

export interface AgentPoolArgs {
    /** The cluster's name (resource-name prefix). */
    readonly clusterName: string;
    readonly pool: AgentPoolConfig;
    /** The pool's slots, in index order. */
    readonly slots: readonly NodeSlot[];
    /** k3s node name of each slot (carries the spec hash). */
    readonly nodeNames: ReadonlyMap<string, string>;
    readonly environment: string;
    readonly k3sVersion: string;
    readonly networkId: pulumi.Input<string>;
    readonly subnetId: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    readonly keyPair: pulumi.Input<string>;
    readonly kubeconfig: pulumi.Input<string>;
    readonly timeoutSeconds: number;
    readonly taskGraceSeconds: number;
    /** The node's user-data from its slot, name and private address. */
    readonly userData: (slot: NodeSlot, nodeName: string, nodeIp: pulumi.Output<string>) => pulumi.Output<string>;
    /** The first batch waits for these (the last server, or the previous pool's last batch). */
    readonly after: pulumi.Resource[];
    readonly needs: pulumi.Resource[];
    /** The resources' parent before pools existed (aliases keep pool default's resources). */
    readonly formerParent: pulumi.Resource;
}

/** Nova server-group policy of a pool's anti-affinity setting. */
export function groupPolicy(kind: AgentPoolConfig["antiAffinity"]): string | undefined {
    return kind === "hard" ? "anti-affinity" : kind === "soft" ? "soft-anti-affinity" : undefined;
}

/** Batches of a pool's roll: slot indexes in groups of `maxUnavailable`, in order. */
export function rollBatches<T>(items: readonly T[], maxUnavailable: number): T[][] {
    const size = Math.max(1, maxUnavailable);
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
}

export class AgentPool extends pulumi.ComponentResource {
    readonly nodes: K3sNode[] = [];
    readonly ports = new Map<string, openstack.networking.Port>();
    /** The last batch's lifecycle gates: what the next pool waits for. */
    readonly lastBatch: pulumi.Resource[];

    constructor(name: string, args: AgentPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "AgentPool"), name, {}, withFormerType(componentType("infra", "AgentPool"), opts));
        const { pool, clusterName } = args;
        const legacy = pool.name === DEFAULT_POOL;
        // The former parent under its own former token too: state from before pools and before the
        // one type prefix (lib/componentType.ts) names it so. By URN, not the resource: the SDK
        // walks every object an alias holds, once per resource and alias (the whole cluster
        // component, for each of a pool's nodes). Only pool default had a former parent: the
        // other pools' resources never lived elsewhere, and each alias costs every one of their
        // resources a few Outputs (a third of a 200-agent synth's time per agent).
        const child = legacy
            ? { parent: this, aliases: [{ parent: args.formerParent.urn }, { parent: formerUrnOf(args.formerParent) }] }
            : { parent: this };

        // Pool default keeps its pre-pool group (`<cluster>-agents`); zones get a group each.
        const policy = groupPolicy(pool.antiAffinity);
        const groupBase = legacy ? `${clusterName}-agents` : `${clusterName}-${pool.name}`;
        const zones = [...new Set(args.slots.map((s) => s.zone))];
        const groups = new Map<string | undefined, openstack.compute.ServerGroup>();
        if (policy) {
            for (const zone of zones) {
                const suffix = zone ? `-${zone}` : "";
                groups.set(
                    zone,
                    new openstack.compute.ServerGroup(
                        `${groupBase}-group${suffix}`,
                        { name: `${groupBase}${suffix}`, policies: [policy] },
                        child,
                    ),
                );
            }
        }

        const fixedIp = (port: openstack.networking.Port) => port.allFixedIps.apply((ips) => ips[0]);
        let previous: pulumi.Resource[] = args.after;
        for (const batch of rollBatches(args.slots, pool.maxUnavailable)) {
            const gates: pulumi.Resource[] = [];
            for (const slot of batch) {
                const nodeName = args.nodeNames.get(slot.key)!;
                const port = new openstack.networking.Port(
                    `${clusterName}-${slot.key}-port`,
                    {
                        name: `${clusterName}-${slot.key}`,
                        networkId: args.networkId,
                        fixedIps: [{ subnetId: args.subnetId }],
                        securityGroupIds: [args.securityGroupId],
                    },
                    child,
                );
                this.ports.set(slot.key, port);
                const node = new K3sNode(
                    `${clusterName}-${slot.key}`,
                    {
                        slot,
                        nodeName,
                        environment: args.environment,
                        k3sVersion: args.k3sVersion,
                        portId: port.id,
                        userData: args.userData(slot, nodeName, fixedIp(port)),
                        keyPair: args.keyPair,
                        serverGroupId: groups.get(slot.zone)?.id,
                        kubeconfig: args.kubeconfig,
                        timeoutSeconds: args.timeoutSeconds,
                        taskGraceSeconds: args.taskGraceSeconds,
                        after: previous,
                        needs: args.needs,
                    },
                    child,
                );
                this.nodes.push(node);
                gates.push(node.lifecycle);
            }
            previous = gates;
        }
        this.lastBatch = previous;
        this.registerOutputs({ nodes: this.nodes.map((n) => n.instance.name) });
    }
}
