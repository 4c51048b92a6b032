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
import type { InfraConfig } from "./config";
import { NodeSpec, renderUserData } from "./cloudinit";
import { ClusterNetwork } from "./network";
import { ClusterSecurityGroups } from "./securityGroups";
import { ClusterPki } from "./pki";
import { renderKubeconfig } from "./kubeconfig";
import { NodeSlot, nodeName, nodeSpecHash, planNodes, poolCapacities } from "./nodes";
import type { NodeInfo, NodePoolCapacity } from "../lib/contracts";

export interface K3sClusterArgs {
    readonly config: InfraConfig;
}

/** The command the lifecycle resources run (on the machine running `pulumi up`). */
const LIFECYCLE = "npx --no-install tsx infra/lifecycle/cli.ts";
const NFS_EXPORT = "/srv/nfs";
const VRRP_ROUTER_ID = 51;

/** Nova server-group policies for soft/hard anti-affinity. */
function affinityPolicy(kind: InfraConfig["antiAffinity"]): string {
    return kind === "hard" ? "anti-affinity" : "soft-anti-affinity";
}

export class K3sCluster extends pulumi.ComponentResource {
    readonly kubeconfig: pulumi.Output<string>;
    readonly apiEndpoint: pulumi.Output<string>;
    readonly ingressAddress: pulumi.Output<string>;
    readonly nodes: pulumi.Output<NodeInfo[]>;
    readonly nodePools: NodePoolCapacity[];
    readonly nfs: pulumi.Output<{ server: string; path: string }>;
    readonly networkId: pulumi.Output<string>;
    readonly subnetId: pulumi.Output<string>;
    /** Completes when the API answers /readyz and every node is Ready. */
    readonly ready: command.local.Command;

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:infra:K3sCluster", name, {}, opts);
        const cfg = args.config;
        const parent = { parent: this };
        const ha = cfg.servers.count > 1;

        const network = new ClusterNetwork(`${name}-network`, { network: cfg.network }, parent);
        const groups = new ClusterSecurityGroups(
            `${name}-secgroup`,
            { adminCidrs: cfg.adminCidrs, ingressCidrs: cfg.ingressCidrs, flannelBackend: cfg.flannelBackend, vrrp: ha },
            parent,
        );
        const keypair = new openstack.compute.Keypair(`${name}-keypair`, { name: `${name}-keypair`, publicKey: cfg.sshPublicKey }, parent);
        const serverGroup = (role: string) =>
            new openstack.compute.ServerGroup(`${name}-${role}-group`, { name: `${name}-${role}`, policies: [affinityPolicy(cfg.antiAffinity)] }, parent);
        const serverGroups = { server: serverGroup("servers"), agent: serverGroup("agents") };

        // Tokens are generated once and survive every node replacement.
        const token = new random.RandomPassword(`${name}-server-token`, { length: 48, special: false }, parent);
        const agentToken = new random.RandomPassword(`${name}-agent-token`, { length: 48, special: false }, parent);
        const pki = new ClusterPki(`${name}-pki`, { clusterName: name }, parent);

        const fixedIp = (port: openstack.networking.Port) => port.allFixedIps.apply((ips) => ips[0]);
        const slots = planNodes(cfg);

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
        for (const slot of slots) {
            const vipPair = vipPort ? [{ ipAddress: fixedIp(vipPort) }] : undefined;
            ports.set(
                slot.key,
                new openstack.networking.Port(
                    `${name}-${slot.key}-port`,
                    {
                        name: `${name}-${slot.key}`,
                        networkId: network.networkId,
                        fixedIps: [{ subnetId: network.subnetId }],
                        securityGroupIds: [slot.role === "server" ? groups.servers.id : groups.agents.id],
                        allowedAddressPairs: slot.role === "server" ? vipPair : undefined,
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
            new openstack.networking.FloatingIpAssociate(`${name}-entry-fip-assoc`, { floatingIp: floatingIp.address, portId: entryPort.id }, parent);
        }
        const externalAddress = floatingIp ? floatingIp.address : internalApiAddress;
        const serverUrl = pulumi.interpolate`https://${internalApiAddress}:6443`;
        this.apiEndpoint = pulumi.interpolate`https://${externalAddress}:6443`;
        this.ingressAddress = externalAddress;

        const serverAddresses = slots.filter((s) => s.role === "server").map((s) => fixedIp(ports.get(s.key)!));
        const tlsSans = pulumi.all([externalAddress, internalApiAddress, ...serverAddresses]).apply((ips) => [...new Set(ips)].sort());

        // The Cinder volume behind the NFS export outlives every node; deleting it needs intent.
        const nfsVolume = new openstack.blockstorage.Volume(
            `${name}-nfs-data`,
            { name: `${name}-nfs-data`, size: cfg.nfsVolumeSizeGb, description: "RWX data exported over NFS by server-0" },
            { parent: this, protect: true },
        );
        const nfsClientCidr = network.subnetCidr;

        this.kubeconfig = pulumi.secret(
            pulumi.all([this.apiEndpoint, pki.serverCaCert, pki.adminCert, pki.adminKey]).apply(([server, ca, cert, key]) =>
                renderKubeconfig({ clusterName: name, server, caCertPem: ca, clientCertPem: cert, clientKeyPem: key }),
            ),
        );

        // Records which node initialised the cluster. ignoreChanges keeps the first value, so a
        // later replacement of server-0 joins the existing cluster instead of starting a new one.
        const firstServer = slots[0];
        const specFor = (slot: NodeSlot, node: string, addresses: { nodeIp: string; serverUrl: string; tlsSans: string[]; peers: string[]; vip?: string; volumeId: string; nfsCidr: string }, clusterInit: boolean): NodeSpec => {
            const common = { nodeName: node, k3sVersion: cfg.k3sVersion, labels: slot.labels, nodeIp: addresses.nodeIp, flannelBackend: cfg.flannelBackend };
            if (slot.role === "agent") return { ...common, role: "agent", serverUrl: addresses.serverUrl };
            return {
                ...common,
                role: "server",
                clusterInit,
                serverUrl: clusterInit ? undefined : addresses.serverUrl,
                tlsSans: addresses.tlsSans,
                etcdSnapshotSchedule: cfg.etcdSnapshotSchedule,
                etcdSnapshotRetention: cfg.etcdSnapshotRetention,
                vip: addresses.vip
                    ? { address: addresses.vip, peers: addresses.peers, priority: 150 - slot.index * 10, routerId: VRRP_ROUTER_ID }
                    : undefined,
                nfs: slot.index === 0 ? { volumeId: addresses.volumeId, exportPath: NFS_EXPORT, clientCidr: addresses.nfsCidr } : undefined,
            };
        };
        const placeholders = { nodeIp: "NODE_IP", serverUrl: "https://SERVER:6443", tlsSans: ["API_ADDRESS"], peers: ha ? ["PEER"] : [], vip: ha ? "VIP" : undefined, volumeId: "VOLUME_ID", nfsCidr: "NFS_CIDR" };
        const names = new Map(
            slots.map((slot) => [
                slot.key,
                nodeName(cfg.environment, slot, nodeSpecHash(slot, (n) => specFor(slot, n, placeholders, slot.role === "server" && slot.index === 0))),
            ]),
        );
        const bootstrap = new random.RandomId(
            `${name}-bootstrap`,
            { byteLength: 4, keepers: { initialServer: names.get(firstServer.key)! } },
            { parent: this, ignoreChanges: ["keepers"] },
        );

        const timeoutSeconds = String(cfg.readinessTimeoutMinutes * 60);
        let previous: pulumi.Resource | undefined;
        const lifecycles: command.local.Command[] = [];
        const instances = new Map<string, openstack.compute.Instance>();
        for (const slot of slots) {
            const node = names.get(slot.key)!;
            const port = ports.get(slot.key)!;
            const peers = slots.filter((s) => s.role === "server" && s.key !== slot.key).map((s) => fixedIp(ports.get(s.key)!));
            const clusterInit: pulumi.Input<boolean> =
                slot.role !== "server" || slot.index !== 0 ? false : ha ? bootstrap.keepers.apply((k) => k?.initialServer === node) : true;
            const addresses = pulumi.output({
                nodeIp: fixedIp(port),
                serverUrl,
                tlsSans,
                peers,
                vip: vipPort ? fixedIp(vipPort) : undefined,
                volumeId: nfsVolume.id,
                nfsCidr: nfsClientCidr,
            });
            const userData = pulumi
                .all([addresses, clusterInit, token.result, agentToken.result, pki.caFiles])
                .apply(([addr, init, tok, agentTok, ca]) =>
                    renderUserData(specFor(slot, node, addr, init), { token: tok, agentToken: agentTok, ca: init ? ca : undefined }),
                );
            const instance = new openstack.compute.Instance(
                `${name}-${slot.key}`,
                {
                    name: node,
                    imageName: slot.image,
                    flavorName: slot.flavor,
                    keyPair: keypair.name,
                    networks: [{ port: port.id }],
                    userData: pulumi.secret(userData),
                    schedulerHints: [{ group: serverGroups[slot.role].id }],
                    metadata: { role: slot.role, environment: cfg.environment, "k3s-version": cfg.k3sVersion, slot: slot.key },
                },
                {
                    parent: this,
                    replaceOnChanges: ["name", "imageName", "flavorName", "userData"],
                    // The stable port can only serve one instance, and the old node must leave
                    // the cluster (drained by its lifecycle command) before the new one joins.
                    deleteBeforeReplace: true,
                    dependsOn: previous ? [previous] : [],
                },
            );
            instances.set(slot.key, instance);
            if (slot.role === "server" && slot.index === 0) {
                new openstack.compute.VolumeAttach(`${name}-nfs-data-attach`, { instanceId: instance.id, volumeId: nfsVolume.id }, parent);
            }
            const lifecycle = new command.local.Command(
                `${name}-${slot.key}-lifecycle`,
                {
                    create: `${LIFECYCLE} wait-cluster`,
                    delete: `${LIFECYCLE} drain-node`,
                    environment: { KUBECONFIG_DATA: this.kubeconfig, NODE_NAMES: node, NODE_NAME: node, TIMEOUT_SECONDS: timeoutSeconds },
                    triggers: [instance.id],
                },
                { parent: this, dependsOn: [instance], deleteBeforeReplace: true },
            );
            lifecycles.push(lifecycle);
            previous = lifecycle;
        }

        const allNames = slots.map((s) => names.get(s.key)!);
        this.ready = new command.local.Command(
            `${name}-ready`,
            {
                create: `${LIFECYCLE} wait-cluster`,
                environment: { KUBECONFIG_DATA: this.kubeconfig, NODE_NAMES: allNames.join(","), TIMEOUT_SECONDS: timeoutSeconds },
                triggers: allNames,
            },
            { parent: this, dependsOn: lifecycles },
        );

        this.nodes = pulumi.all(slots.map((s) => fixedIp(ports.get(s.key)!))).apply((ips) =>
            slots.map((slot, i) => ({ name: names.get(slot.key)!, role: slot.role, address: ips[i] })),
        );
        this.nodePools = poolCapacities(slots, cfg.flavors);
        this.nfs = pulumi.output({ server: fixedIp(server0Port), path: NFS_EXPORT });
        this.networkId = network.networkId;
        this.subnetId = network.subnetId;
        this.registerOutputs({ apiEndpoint: this.apiEndpoint, ingressAddress: this.ingressAddress, nodes: this.nodes });
    }
}
