/**
 * A k3s cluster on OpenStack: network, security groups, server groups, stable ports, immutable
 * VMs whose cloud-init installs k3s, the generated PKI and kubeconfig, and a readiness gate.
 *
 * Immutability: an instance is replaced (never patched) when its name, image, flavor or
 * user-data changes; the name carries a hash of that spec. Ports are separate, stable
 * resources, so a replacement keeps its address, the floating IP stays associated and the join
 * URL never moves. Instances are deleted before their replacement is created (the port is
 * reused), after a delete-time command has drained the node and removed it from the cluster.
 * Nodes are created one after another, each after the previous one is Ready, so control-plane
 * servers are replaced one at a time and etcd keeps its quorum.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as command from "@pulumi/command";
import type { InfraConfig } from "./config";
import { renderKubeconfig } from "./kubeconfig";
import type { BackupStoreAccess } from "./backupStore";
import { NFS_EXPORT, nodeNames, planNodes, poolCapacities } from "./nodes";
import { createEntryPoint, fixedIp } from "./entryPoint";
import { userDataBuilder } from "./nodeUserData";
import { createFoundation } from "./clusterFoundation";
import { datastoreVolume, nfsVolume } from "./dataVolumes";
import { bootstrapDecision, previousOutputs } from "./bootstrapDecision";
import { readinessGate, rollOutAgentPools, rollOutServers, Rollout } from "./nodeRollout";
import type { NodeInfo, NodePoolCapacity } from "../lib/contracts";
import { componentType, withFormerType } from "../lib/componentType";

export interface K3sClusterArgs {
    readonly config: InfraConfig;
    /** Object storage for etcd snapshots (secret credential), when configured. */
    readonly backupStore?: pulumi.Output<BackupStoreAccess>;
    /** Restore this etcd snapshot into server-0 (every server was lost; see delivery/restore/restore.ts). */
    readonly restoreSnapshot?: string;
}

export class K3sCluster extends pulumi.ComponentResource {
    readonly kubeconfig: pulumi.Output<string>;
    /** When the kubeconfig's admin certificate expires (RFC 3339). */
    readonly adminCertExpiresAt: pulumi.Output<string>;
    readonly apiEndpoint: pulumi.Output<string>;
    readonly ingressAddress: pulumi.Output<string>;
    readonly nodes: pulumi.Output<NodeInfo[]>;
    readonly nodePools: NodePoolCapacity[];
    readonly nfs: pulumi.Output<{ server: string; path: string }>;
    readonly networkId: pulumi.Output<string>;
    readonly subnetId: pulumi.Output<string>;
    /** Completes when the API answers /readyz and every node is Ready. */
    readonly ready: command.local.Command;
    /** For the CI runner (ciRunner.ts): the servers' group, the API's private and kubeconfig addresses, the key pair. */
    readonly serversSecurityGroupId: pulumi.Output<string>;
    readonly internalApiAddress: pulumi.Output<string>;
    readonly apiAddress: pulumi.Output<string>;
    readonly keyPairName: pulumi.Output<string>;
    /** Generated once with the cluster; published only after the readiness gate. */
    readonly clusterId: pulumi.Output<string>;
    /** server-0's first-boot start: `cluster-init`, `join` or `restore:<snapshot>` (bootstrap.ts). */
    readonly bootstrap: pulumi.Output<string>;
    /** Rejects when the config may not follow the stack's previous deployment (the token generation). */
    readonly checked: Promise<void>;

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "K3sCluster"), name, {}, withFormerType(componentType("infra", "K3sCluster"), opts));
        const cfg = args.config;
        const slots = planNodes(cfg);
        const serverSlots = slots.filter((s) => s.role === "server");

        const previous = previousOutputs(name, this);
        const base = createFoundation(name, cfg, previous, this);
        this.checked = base.token.checked;
        const entry = createEntryPoint(name, cfg, base.network, base.groups, serverSlots, this);
        this.serversSecurityGroupId = base.groups.servers.id;
        this.internalApiAddress = entry.internalApiAddress;
        this.apiAddress = entry.externalAddress;
        this.keyPairName = base.keypair.name;
        this.apiEndpoint = pulumi.interpolate`https://${entry.externalAddress}:6443`;
        this.ingressAddress = entry.externalAddress;

        const nfs = nfsVolume(name, cfg, serverSlots, this);
        this.adminCertExpiresAt = base.pki.adminCertExpiresAt;
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([this.apiEndpoint, base.pki.serverCaCert, base.pki.adminCert, base.pki.adminKey])
                .apply(([server, ca, cert, key]) =>
                    renderKubeconfig({ clusterName: name, server, caCertPem: ca, clientCertPem: cert, clientKeyPem: key }),
                ),
        );

        const names = nodeNames(cfg, slots);
        this.bootstrap = bootstrapDecision(previous, args.restoreSnapshot);
        this.clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 8 }, { parent: this }).hex;
        const volumes = { nfs: nfs.id, datastore: datastoreVolume(name, cfg, this)?.id };
        const userDataOf = userDataBuilder(cfg, base, entry, serverSlots, volumes, args.backupStore);

        const rollout: Rollout = { name, cfg, base, entry, names, kubeconfig: this.kubeconfig, userDataOf, cluster: this };
        const nodes = rollOutServers(rollout, serverSlots, volumes, this.bootstrap);
        nodes.push(...rollOutAgentPools(rollout, slots, nodes));
        this.ready = readinessGate(
            rollout,
            slots.map((s) => names.get(s.key)!),
            nodes,
        );

        this.nodes = pulumi
            .all(slots.map((s) => fixedIp(entry.ports.get(s.key)!)))
            .apply((ips) => slots.map((slot, i) => ({ name: names.get(slot.key)!, role: slot.role, address: ips[i] })));
        this.nodePools = poolCapacities(slots, cfg.flavors, cfg.controlPlaneTaint, cfg.agentPools);
        this.nfs = pulumi.output({ server: fixedIp(entry.server0Port), path: NFS_EXPORT });
        this.networkId = base.network.networkId;
        this.subnetId = base.network.subnetId;
        this.registerOutputs({ apiEndpoint: this.apiEndpoint, ingressAddress: this.ingressAddress, nodes: this.nodes });
    }
}
