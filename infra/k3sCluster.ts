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
import { renderUserData } from "./cloudinit";
import { ClusterNetwork } from "./network";
import { ClusterSecurityGroups } from "./securityGroups";
import { ClusterPki } from "./pki";
import { renderKubeconfig } from "./kubeconfig";
import { secureToken, TOKEN_USERS } from "./joinToken";
import type { BackupStoreAccess } from "./backupStore";
import { specHash } from "../lib/naming";
import { DATASTORE_VOLUME_GB } from "./datastore";
import { decideBootstrap, encodeBootstrap, INITIALISED_OUTPUTS } from "./bootstrap";
import { buildNodeSpec, hasDatastoreVolume, isFirstServer, NFS_EXPORT, NodeAddresses, nodeNames, NodeSlot, planNodes, poolCapacities } from "./nodes";
import { AgentPool } from "./agentPool";
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

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "K3sCluster"), name, {}, withFormerType(componentType("infra", "K3sCluster"), opts));
        const cfg = args.config;
        const parent = { parent: this };
        const ha = cfg.servers.count > 1;

        const network = new ClusterNetwork(`${name}-network`, { network: cfg.network }, parent);
        const groups = new ClusterSecurityGroups(
            `${name}-secgroup`,
            { adminCidrs: cfg.adminCidrs, ingressCidrs: cfg.ingressCidrs, adminNodePorts: cfg.adminNodePorts, flannelBackend: cfg.flannelBackend, vrrp: ha },
            parent,
        );
        // OpenStack replaces a key pair whose public key changes; a name that carries the key's
        // hash lets the new one be created before the old one goes (names are unique per user).
        const keypair = new openstack.compute.Keypair(`${name}-keypair`, { name: `${name}-${specHash(cfg.sshPublicKey.trim())}`, publicKey: cfg.sshPublicKey }, parent);
        // Servers: one group, or one per zone when zones are configured (the agents' are their pools').
        const serverGroups = new Map<string | undefined, openstack.compute.ServerGroup>();
        const serverGroupOf = (zone: string | undefined) => {
            if (!serverGroups.has(zone)) {
                const suffix = zone ? `-${zone}` : "";
                serverGroups.set(zone, new openstack.compute.ServerGroup(`${name}-servers-group${suffix}`, { name: `${name}-servers${suffix}`, policies: [affinityPolicy(cfg.antiAffinity)] }, parent));
            }
            return serverGroups.get(zone)!;
        };

        // Tokens are generated once and survive every node replacement.
        const token = new random.RandomPassword(`${name}-server-token`, { length: 48, special: false }, parent);
        const agentToken = new random.RandomPassword(`${name}-agent-token`, { length: 48, special: false }, parent);
        const pki = new ClusterPki(`${name}-pki`, { clusterName: name }, parent);

        const fixedIp = (port: openstack.networking.Port) => port.allFixedIps.apply((ips) => ips[0]);
        const slots = planNodes(cfg);
        const serverSlots = slots.filter((s) => s.role === "server");

        // In an HA set a VRRP VIP (kept by keepalived on a server whose API is ready) is the
        // join URL and API address, so no single server is special after bootstrap.
        const vipPort = ha
            ? new openstack.networking.Port(
                  `${name}-api-vip`,
                  { name: `${name}-api-vip`, networkId: network.networkId, fixedIps: [{ subnetId: network.subnetId }], securityGroupIds: [groups.servers.id] },
                  parent,
              )
            : undefined;
        const ports = new Map<string, openstack.networking.Port>();
        for (const slot of serverSlots) {
            const vipPair = vipPort ? [{ ipAddress: fixedIp(vipPort) }] : undefined;
            ports.set(
                slot.key,
                new openstack.networking.Port(
                    `${name}-${slot.key}-port`,
                    {
                        name: `${name}-${slot.key}`,
                        networkId: network.networkId,
                        fixedIps: [{ subnetId: network.subnetId }],
                        securityGroupIds: [groups.servers.id],
                        allowedAddressPairs: vipPair,
                    },
                    parent,
                ),
            );
        }
        const server0Port = ports.get("server-0")!;
        const entryPort = vipPort ?? server0Port;
        const internalApiAddress = fixedIp(entryPort);
        const floatingIp = cfg.network.externalNetwork
            ? new openstack.networking.FloatingIp(`${name}-entry-fip`, { pool: cfg.network.externalNetwork, description: `${name} API and ingress` }, parent)
            : undefined;
        if (floatingIp) {
            new openstack.networking.FloatingIpAssociate(
                `${name}-entry-fip-assoc`,
                { floatingIp: floatingIp.address, portId: entryPort.id },
                { parent: this, dependsOn: network.ready },
            );
        }
        const externalAddress = floatingIp ? floatingIp.address : internalApiAddress;
        this.serversSecurityGroupId = groups.servers.id;
        this.internalApiAddress = internalApiAddress;
        this.apiAddress = externalAddress;
        this.keyPairName = keypair.name;
        const serverUrl = pulumi.interpolate`https://${internalApiAddress}:6443`;
        this.apiEndpoint = pulumi.interpolate`https://${externalAddress}:6443`;
        this.ingressAddress = externalAddress;

        const serverAddresses = serverSlots.map((s) => fixedIp(ports.get(s.key)!));
        // Not the floating IP: the kubeconfig checks the certificate by name (API_TLS_SERVER_NAME).
        const tlsSans = pulumi.all([internalApiAddress, ...serverAddresses]).apply((ips) => [...new Set(ips)].sort());

        // The Cinder volume behind the NFS export outlives every node; deleting it needs intent.
        // It lives in server-0's zone (Cinder attaches within a zone); zones added later leave an
        // existing volume where it is (ignoreChanges: moving it would replace it).
        const nfsZone = serverSlots[0]?.zone;
        const nfsVolume = new openstack.blockstorage.Volume(
            `${name}-nfs-data`,
            { name: `${name}-nfs-data`, size: cfg.nfsVolumeSizeGb, description: "RWX data exported over NFS by server-0", ...(nfsZone ? { availabilityZone: nfsZone } : {}) },
            { parent: this, protect: cfg.protectData, ...(nfsZone ? { ignoreChanges: ["availabilityZone"] } : {}) },
        );

        this.adminCertExpiresAt = pki.adminCertExpiresAt;
        this.kubeconfig = pulumi.secret(
            pulumi.all([this.apiEndpoint, pki.serverCaCert, pki.adminCert, pki.adminKey]).apply(([server, ca, cert, key]) =>
                renderKubeconfig({ clusterName: name, server, caCertPem: ca, clientCertPem: cert, clientKeyPem: key }),
            ),
        );

        const names = nodeNames(cfg, slots);
        // A cluster is initialised exactly once: while this stack has never published outputs
        // (they resolve only after the readiness gate). The stack's own previous outputs say so;
        // the same reference reads the same checkpoint in a preview and in the `up --plan` after it.
        const previous = new pulumi.StackReference(`${name}-previous-outputs`, { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` }, parent);
        this.bootstrap = pulumi
            .all(INITIALISED_OUTPUTS.map((key) => previous.getOutput(key)))
            .apply((values) => encodeBootstrap(decideBootstrap(Object.fromEntries(INITIALISED_OUTPUTS.map((key, i) => [key, values[i]])), args.restoreSnapshot)));
        this.clusterId = new random.RandomId(`${name}-cluster-id`, { byteLength: 8 }, parent).hex;
        // A single server's etcd, tokens and certificates outlive its VM; deleting them needs intent.
        const datastoreVolume = ha
            ? undefined
            : new openstack.blockstorage.Volume(
                  `${name}-server-0-datastore`,
                  { name: `${name}-server-0-datastore`, size: DATASTORE_VOLUME_GB, description: "k3s server datastore (etcd) of the only server" },
                  { parent: this, protect: true },
              );

        const peersOf = (slot: NodeSlot) => serverSlots.filter((s) => s.key !== slot.key).map((s) => fixedIp(ports.get(s.key)!));
        const vip = vipPort ? fixedIp(vipPort) : undefined;
        // Secure-format tokens: every joining node (and server-0 itself) checks the CA hash.
        const userDataOf = (slot: NodeSlot, node: string, nodeIp: pulumi.Output<string>) => {
            const addresses: pulumi.Output<NodeAddresses> = pulumi.output({
                nodeIp,
                serverUrl,
                tlsSans,
                peers: slot.role === "server" ? peersOf(slot) : [],
                vip,
                volumeId: nfsVolume.id,
                datastoreVolumeId: hasDatastoreVolume(cfg, slot) ? datastoreVolume!.id : undefined,
            });
            return pulumi
                .all([addresses, token.result, agentToken.result, pki.caFiles, args.backupStore])
                .apply(([addr, tok, agentTok, ca, store]) =>
                    renderUserData(buildNodeSpec(cfg, slot, node, addr), {
                        token: secureToken(ca.serverCaCert, TOKEN_USERS.server, tok),
                        agentToken: secureToken(ca.serverCaCert, TOKEN_USERS.agent, agentTok),
                        ca: isFirstServer(slot) ? ca : undefined,
                        etcdS3: store ? { accessKey: store.accessKey, secretKey: store.secretKey } : undefined,
                    }),
                );
        };

        // Servers one at a time, each after the previous one is Ready (etcd keeps its quorum).
        let after: pulumi.Resource[] = [];
        const nodes: K3sNode[] = [];
        for (const slot of serverSlots) {
            const node = names.get(slot.key)!;
            const port = ports.get(slot.key)!;
            const k3sNode = new K3sNode(
                `${name}-${slot.key}`,
                {
                    slot,
                    nodeName: node,
                    environment: cfg.environment,
                    k3sVersion: cfg.k3sVersion,
                    portId: port.id,
                    userData: userDataOf(slot, node, fixedIp(port)),
                    keyPair: keypair.name,
                    serverGroupId: serverGroupOf(slot.zone).id,
                    kubeconfig: this.kubeconfig,
                    timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
                    taskGraceSeconds: cfg.drainTaskGraceMinutes * 60,
                    after,
                    needs: network.ready,
                    dataVolumeId: isFirstServer(slot) ? nfsVolume.id : undefined,
                    datastoreVolumeId: hasDatastoreVolume(cfg, slot) ? datastoreVolume!.id : undefined,
                    // Updated in place (no new VM): read by server-0 on its first boot only.
                    bootstrapMetadata: isFirstServer(slot) ? this.bootstrap : undefined,
                },
                parent,
            );
            nodes.push(k3sNode);
            after = [k3sNode.lifecycle];
        }

        // Then each pool after the one before, in batches of its maxUnavailable.
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
                    networkId: network.networkId,
                    subnetId: network.subnetId,
                    securityGroupId: groups.agents.id,
                    keyPair: keypair.name,
                    kubeconfig: this.kubeconfig,
                    timeoutSeconds: cfg.readinessTimeoutMinutes * 60,
                    taskGraceSeconds: cfg.drainTaskGraceMinutes * 60,
                    userData: (slot, node, nodeIp) => userDataOf(slot, node, nodeIp),
                    after,
                    needs: network.ready,
                    formerParent: this,
                },
                parent,
            );
            for (const [key, port] of agentPool.ports) ports.set(key, port);
            nodes.push(...agentPool.nodes);
            if (agentPool.lastBatch.length > 0) after = agentPool.lastBatch;
        }

        const allNames = slots.map((s) => names.get(s.key)!);
        this.ready = new command.local.Command(
            `${name}-ready`,
            {
                create: `${LIFECYCLE_CLI} wait-cluster`,
                environment: { KUBECONFIG_DATA: this.kubeconfig, NODE_NAMES: allNames.join(","), TIMEOUT_SECONDS: String(cfg.readinessTimeoutMinutes * 60) },
                triggers: allNames,
            },
            { parent: this, dependsOn: nodes.map((n) => n.lifecycle) },
        );

        this.nodes = pulumi.all(slots.map((s) => fixedIp(ports.get(s.key)!))).apply((ips) =>
            slots.map((slot, i) => ({ name: names.get(slot.key)!, role: slot.role, address: ips[i] })),
        );
        this.nodePools = poolCapacities(slots, cfg.flavors, cfg.controlPlaneTaint, cfg.agentPools);
        this.nfs = pulumi.output({ server: fixedIp(server0Port), path: NFS_EXPORT });
        this.networkId = network.networkId;
        this.subnetId = network.subnetId;
        this.registerOutputs({ apiEndpoint: this.apiEndpoint, ingressAddress: this.ingressAddress, nodes: this.nodes });
    }
}
