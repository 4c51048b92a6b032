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
import * as openstack from "@pulumi/openstack";
import * as random from "@pulumi/random";
import * as command from "@pulumi/command";
import { K3sNode, LIFECYCLE_CLI } from "./k3sNode";
import type { InfraConfig } from "./config";
import { ClusterNetwork } from "./network";
import { ClusterSecurityGroups } from "./securityGroups";
import { ClusterPki } from "./pki";
import { renderKubeconfig } from "./kubeconfig";
import type { BackupStoreAccess } from "./backupStore";
import { specHash } from "../lib/naming";
import { DATASTORE_VOLUME_GB } from "./datastore";
import { decideBootstrap, encodeBootstrap, INITIALISED_OUTPUTS } from "./bootstrap";
import { hasDatastoreVolume, isFirstServer, NFS_EXPORT, nodeNames, NodeSlot, planNodes, poolCapacities } from "./nodes";
import { AgentPool } from "./agentPool";
import { serverTokens, ServerTokens } from "./serverTokens";
import { createEntryPoint, EntryPoint, fixedIp } from "./entryPoint";
import { userDataBuilder, UserDataOf, Volumes } from "./nodeUserData";
import type { NodeInfo, NodePoolCapacity } from "../lib/contracts";
import { componentType, withFormerType } from "../lib/componentType";

export interface K3sClusterArgs {
    readonly config: InfraConfig;
    /** Object storage for etcd snapshots (secret credential), when configured. */
    readonly backupStore?: pulumi.Output<BackupStoreAccess>;
    /** Restore this etcd snapshot into server-0 (every server was lost; see delivery/restore/restore.ts). */
    readonly restoreSnapshot?: string;
}

/** Nova server-group policies for soft/hard anti-affinity. */
function affinityPolicy(kind: InfraConfig["antiAffinity"]): string {
    return kind === "hard" ? "anti-affinity" : "soft-anti-affinity";
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

        const previous = new pulumi.StackReference(
            `${name}-previous-outputs`,
            { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` },
            { parent: this },
        );
        const base = this.foundation(name, cfg, previous);
        this.checked = base.token.checked;
        const entry = createEntryPoint(name, cfg, base.network, base.groups, serverSlots, this);
        this.serversSecurityGroupId = base.groups.servers.id;
        this.internalApiAddress = entry.internalApiAddress;
        this.apiAddress = entry.externalAddress;
        this.keyPairName = base.keypair.name;
        this.apiEndpoint = pulumi.interpolate`https://${entry.externalAddress}:6443`;
        this.ingressAddress = entry.externalAddress;

        const nfsVolume = this.nfsVolume(name, cfg, serverSlots);
        this.adminCertExpiresAt = base.pki.adminCertExpiresAt;
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([this.apiEndpoint, base.pki.serverCaCert, base.pki.adminCert, base.pki.adminKey])
                .apply(([server, ca, cert, key]) =>
                    renderKubeconfig({ clusterName: name, server, caCertPem: ca, clientCertPem: cert, clientKeyPem: key }),
                ),
        );

        const names = nodeNames(cfg, slots);
        this.bootstrap = this.bootstrapDecision(previous, args.restoreSnapshot);
        this.clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 8 }, { parent: this }).hex;
        // A single server's etcd, tokens and certificates outlive its VM; deleting them needs intent.
        const datastoreVolume =
            cfg.servers.count > 1
                ? undefined
                : new openstack.blockstorage.Volume(
                      `${name}-server-0-datastore`,
                      {
                          name: `${name}-server-0-datastore`,
                          size: DATASTORE_VOLUME_GB,
                          description: "k3s server datastore (etcd) of the only server",
                      },
                      { parent: this, protect: true },
                  );
        const volumes = { nfs: nfsVolume.id, datastore: datastoreVolume?.id };
        const userDataOf = userDataBuilder(cfg, base, entry, serverSlots, volumes, args.backupStore);

        const nodes = this.servers(name, cfg, base, entry, serverSlots, names, volumes, userDataOf);
        nodes.push(...this.agentPools(name, cfg, base, entry, slots, names, nodes, userDataOf));
        this.ready = this.readinessGate(
            name,
            cfg,
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

    /** Network, security groups, key pair, server groups, join tokens and PKI: what every node needs. */
    private foundation(name: string, cfg: InfraConfig, previous: pulumi.StackReference): Foundation {
        const parent = { parent: this };
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

    /**
     * The Cinder volume behind the NFS export outlives every node; deleting it needs intent.
     * It lives in server-0's zone (Cinder attaches within a zone); zones added later leave an
     * existing volume where it is (ignoreChanges: moving it would replace it).
     */
    private nfsVolume(name: string, cfg: InfraConfig, serverSlots: readonly NodeSlot[]): openstack.blockstorage.Volume {
        const nfsZone = serverSlots[0]?.zone;
        return new openstack.blockstorage.Volume(
            `${name}-nfs-data`,
            {
                name: `${name}-nfs-data`,
                size: cfg.nfsVolumeSizeGb,
                description: "RWX data exported over NFS by server-0",
                ...(nfsZone ? { availabilityZone: nfsZone } : {}),
            },
            { parent: this, protect: cfg.protectData, ...(nfsZone ? { ignoreChanges: ["availabilityZone"] } : {}) },
        );
    }

    /**
     * A cluster is initialised exactly once: while this stack has never published outputs
     * (they resolve only after the readiness gate). The stack's own previous outputs say so;
     * the same reference reads the same checkpoint in a preview and in the `up --plan` after it.
     */
    private bootstrapDecision(previous: pulumi.StackReference, restoreSnapshot: string | undefined): pulumi.Output<string> {
        return pulumi
            .all(INITIALISED_OUTPUTS.map((key) => previous.getOutput(key)))
            .apply((values) =>
                encodeBootstrap(
                    decideBootstrap(Object.fromEntries(INITIALISED_OUTPUTS.map((key, i) => [key, values[i]])), restoreSnapshot),
                ),
            );
    }

    /** Servers one at a time, each after the previous one is Ready (etcd keeps its quorum). */
    private servers(
        name: string,
        cfg: InfraConfig,
        base: Foundation,
        entry: EntryPoint,
        serverSlots: readonly NodeSlot[],
        names: Map<string, string>,
        volumes: Volumes,
        userDataOf: UserDataOf,
    ): K3sNode[] {
        let after: pulumi.Resource[] = [];
        const nodes: K3sNode[] = [];
        for (const slot of serverSlots) {
            const node = names.get(slot.key)!;
            const port = entry.ports.get(slot.key)!;
            const k3sNode = new K3sNode(
                `${name}-${slot.key}`,
                {
                    slot,
                    nodeName: node,
                    environment: cfg.environment,
                    k3sVersion: cfg.k3sVersion,
                    portId: port.id,
                    userData: userDataOf(slot, node, fixedIp(port)),
                    keyPair: base.keypair.name,
                    serverGroupId: base.serverGroupOf(slot.zone).id,
                    kubeconfig: this.kubeconfig,
                    timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
                    taskGraceSeconds: cfg.drainTaskGraceMinutes * 60,
                    after,
                    needs: base.network.ready,
                    dataVolumeId: isFirstServer(slot) ? volumes.nfs : undefined,
                    datastoreVolumeId: hasDatastoreVolume(cfg, slot) ? volumes.datastore! : undefined,
                    // Updated in place (no new VM): read by server-0 on its first boot only.
                    bootstrapMetadata: isFirstServer(slot) ? this.bootstrap : undefined,
                },
                { parent: this },
            );
            nodes.push(k3sNode);
            after = [k3sNode.lifecycle];
        }
        return nodes;
    }

    /** Then each pool after the one before (after the last server), in batches of its maxUnavailable. */
    private agentPools(
        name: string,
        cfg: InfraConfig,
        base: Foundation,
        entry: EntryPoint,
        slots: readonly NodeSlot[],
        names: Map<string, string>,
        servers: readonly K3sNode[],
        userDataOf: UserDataOf,
    ): K3sNode[] {
        let after: pulumi.Resource[] = servers.length > 0 ? [servers[servers.length - 1].lifecycle] : [];
        const nodes: K3sNode[] = [];
        for (const pool of cfg.agentPools) {
            const agentPool = new AgentPool(
                `${name}-pool-${pool.name}`,
                {
                    clusterName: name,
                    pool,
                    slots: slots.filter((s) => s.role === "agent" && s.pool === pool.name),
                    nodeNames: names,
                    environment: cfg.environment,
                    k3sVersion: cfg.k3sVersion,
                    networkId: base.network.networkId,
                    subnetId: base.network.subnetId,
                    securityGroupId: base.groups.agents.id,
                    keyPair: base.keypair.name,
                    kubeconfig: this.kubeconfig,
                    timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
                    taskGraceSeconds: cfg.drainTaskGraceMinutes * 60,
                    userData: (slot, node, nodeIp) => userDataOf(slot, node, nodeIp),
                    after,
                    needs: base.network.ready,
                    formerParent: this,
                },
                { parent: this },
            );
            for (const [key, port] of agentPool.ports) entry.ports.set(key, port);
            nodes.push(...agentPool.nodes);
            if (agentPool.lastBatch.length > 0) after = agentPool.lastBatch;
        }
        return nodes;
    }

    /** Completes when the API answers /readyz and every node is Ready. */
    private readinessGate(name: string, cfg: InfraConfig, allNames: string[], nodes: readonly K3sNode[]): command.local.Command {
        return new command.local.Command(
            `${name}-ready`,
            {
                create: `${LIFECYCLE_CLI} wait-cluster`,
                environment: {
                    KUBECONFIG_DATA: this.kubeconfig,
                    NODE_NAMES: allNames.join(","),
                    TIMEOUT_SECONDS: String(cfg.readinessTimeoutMinutes * 60),
                },
                triggers: allNames,
            },
            { parent: this, dependsOn: nodes.map((n) => n.lifecycle) },
        );
    }
}

/** What every node needs, made once per cluster. */
interface Foundation {
    readonly network: ClusterNetwork;
    readonly groups: ClusterSecurityGroups;
    readonly keypair: openstack.compute.Keypair;
    readonly serverGroupOf: (zone: string | undefined) => openstack.compute.ServerGroup;
    readonly token: ServerTokens;
    readonly agentToken: random.RandomPassword;
    readonly pki: ClusterPki;
}
