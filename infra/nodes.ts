/**
 * Pure node planning: which nodes exist, their immutable spec, and the names that carry a hash
 * of it, so a node whose image, flavor, user-data or k3s version changes is replaced by a node
 * with a new name that joins the cluster as a new k3s node.
 */
import type { InfraConfig } from "./config";
import { NodeSecrets, NodeSpec, renderUserData } from "./cloudinit";
import { canonicalJson, specHash } from "../lib/naming";
import { backupPrefixes } from "../lib/contracts";
import { secureToken, TOKEN_USERS } from "./joinToken";
import type { NodeInfo, NodePoolCapacity } from "../lib/contracts";
import { slotPrefix } from "./pools";

export interface NodeSlot {
    /** Stable slot key: "server-0", "agent-1" (pool default), "kafka-0"... (Pulumi resource names use it). */
    readonly key: string;
    readonly role: "server" | "agent";
    /** The agent pool ("server" for servers). */
    readonly pool: string;
    /** Index within the pool. */
    readonly index: number;
    readonly image: string;
    readonly flavor: string;
    readonly labels: Record<string, string>;
    /** Taints registered at first boot (agents: the pool's; servers: see buildNodeSpec). */
    readonly taints: readonly string[];
    /** Availability zone; undefined: the cloud's default (no zones configured). */
    readonly zone?: string;
}

/** Zone of the index-th member of a set spread round-robin over `zones`. */
export function zoneOf(zones: readonly string[], index: number): string | undefined {
    return zones.length === 0 ? undefined : zones[index % zones.length];
}

export function planNodes(cfg: InfraConfig): NodeSlot[] {
    const slot = (
        role: "server" | "agent",
        pool: string,
        prefix: string,
        index: number,
        p: { image: string; flavor: string; labels: Record<string, string>; taints?: readonly string[] },
        zone: string | undefined,
    ): NodeSlot => {
        const key = `${prefix}-${index}`;
        const override = cfg.nodeOverrides[key] ?? {};
        return {
            key,
            role,
            pool,
            index,
            image: override.image ?? p.image,
            flavor: override.flavor ?? p.flavor,
            labels: { "platform.example.org/role": role, "platform.example.org/environment": cfg.environment, ...p.labels },
            taints: p.taints ?? [],
            ...(zone ? { zone } : {}),
        };
    };
    // Servers one per zone (while there are zones enough), so losing a zone keeps etcd's quorum where it can.
    const servers = Array.from({ length: cfg.servers.count }, (_, i) =>
        slot("server", "server", "server", i, cfg.servers, zoneOf(cfg.availabilityZones, i)),
    );
    const agents = cfg.agentPools.flatMap((pool) =>
        Array.from({ length: pool.count }, (_, i) =>
            slot("agent", pool.name, slotPrefix(pool.name), i, pool, zoneOf(pool.availabilityZones, i)),
        ),
    );
    return [...servers, ...agents];
}

/** Addresses a node's user-data refers to; resolved from ports and volumes at deploy time. */
export interface NodeAddresses {
    readonly nodeIp: string;
    /** Join URL (server-0's address, or the API VIP in HA sets). */
    readonly serverUrl: string;
    readonly tlsSans: string[];
    /** The other servers (keepalived unicast peers). */
    readonly peers: string[];
    /** API VIP, in HA sets. */
    readonly vip?: string;
    /** Cinder volume behind the NFS export (server-0 only). */
    readonly volumeId: string;
    /** Cinder volume holding k3s' server directory (a single server only). */
    readonly datastoreVolumeId?: string;
}

export const NFS_EXPORT = "/srv/nfs";
/** The taint Kubernetes and the charts' control-plane tolerations know. */
export const CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane:NoSchedule";
const VRRP_ROUTER_ID = 51;

/** The first server holds the NFS export and, at bootstrap, initialises the cluster. */
export function isFirstServer(slot: NodeSlot): boolean {
    return slot.role === "server" && slot.index === 0;
}

/**
 * A single server keeps its datastore on a volume: there is no other etcd member to rejoin, so a
 * replaced only server must find its data. HA servers join the others afresh (their old member
 * is removed with their Node), so theirs stays on the root disk.
 */
export function hasDatastoreVolume(cfg: InfraConfig, slot: NodeSlot): boolean {
    return cfg.servers.count === 1 && isFirstServer(slot);
}

function required<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`${what} is missing`);
    return value;
}

/** A node's complete spec from config, its slot, name and addresses. */
export function buildNodeSpec(cfg: InfraConfig, slot: NodeSlot, name: string, addr: NodeAddresses): NodeSpec {
    const common = {
        nodeName: name,
        k3sVersion: cfg.k3sVersion,
        k3sInstall: cfg.k3sInstall,
        labels: slot.labels,
        nodeIp: addr.nodeIp,
        flannelBackend: cfg.flannelBackend,
    };
    if (slot.role === "agent")
        return { ...common, role: "agent", serverUrl: addr.serverUrl, ...(slot.taints.length ? { taints: slot.taints } : {}) };
    return {
        ...common,
        role: "server",
        // The first server's start (cluster-init, join, restore) is the cluster's history, not
        // its spec: instance metadata, read once on first boot (bootstrap.ts).
        bootstrap: isFirstServer(slot) ? "metadata" : "join",
        serverUrl: addr.serverUrl,
        tlsSans: addr.tlsSans,
        etcdSnapshotSchedule: cfg.etcdSnapshotSchedule,
        etcdSnapshotRetention: cfg.etcdSnapshotRetention,
        etcdS3: cfg.backupStore
            ? {
                  endpoint: cfg.backupStore.endpoint,
                  bucket: cfg.backupStore.bucket,
                  region: cfg.backupStore.region,
                  folder: backupPrefixes(cfg.environment).etcd,
              }
            : undefined,
        localPathStorage: cfg.localPathStorage,
        taints: cfg.controlPlaneTaint ? [CONTROL_PLANE_TAINT] : [],
        // Lower slots win the VIP; any server whose API is ready may hold it.
        vip: addr.vip ? { address: addr.vip, peers: addr.peers, priority: 150 - slot.index * 10, routerId: VRRP_ROUTER_ID } : undefined,
        nfs: isFirstServer(slot) ? { volumeId: addr.volumeId, exportPath: NFS_EXPORT } : undefined,
        datastore: hasDatastoreVolume(cfg, slot)
            ? { volumeId: required(addr.datastoreVolumeId, `${slot.key}: datastoreVolumeId`) }
            : undefined,
        // Part of every server's user-data (and name): a replaced or new server keeps the revocation.
        ...(cfg.revokedAdminGroups.length > 0 ? { revokedAdminGroups: cfg.revokedAdminGroups } : {}),
    };
}

/**
 * Cluster-wide settings every node's running k3s depends on even when its own user-data does not
 * carry them (agents take the flannel backend from the servers): part of every node's spec
 * hash, so changing one rolls the whole cluster, agents included.
 */
export function clusterWideSettings(cfg: InfraConfig): Record<string, unknown> {
    return { flannelBackend: cfg.flannelBackend };
}

/**
 * Placeholder secrets: the spec hash must not depend on (or reveal) secret values, but it does
 * follow their *shape*: the secure token format is part of the spec, so moving a cluster to it
 * gives every node a new name (an HA cluster's initial server replaced under its old name would
 * initialise a second cluster instead of joining).
 */
const HASH_SECRETS: NodeSecrets = {
    token: secureToken("CA", TOKEN_USERS.server, "TOKEN"),
    agentToken: secureToken("CA", TOKEN_USERS.agent, "AGENT_TOKEN"),
    etcdS3: { accessKey: "S3_ACCESS_KEY", secretKey: "S3_SECRET_KEY" },
};

/** The spec a node's name hashes: its own name, addresses and secrets are placeholders. */
function hashedSpec(cfg: InfraConfig, slot: NodeSlot): NodeSpec {
    const ha = cfg.servers.count > 1;
    const placeholders: NodeAddresses = {
        nodeIp: "NODE_IP",
        serverUrl: "https://SERVER:6443",
        tlsSans: ["API_ADDRESS"],
        peers: ha ? ["PEER"] : [],
        vip: ha ? "VIP" : undefined,
        volumeId: "VOLUME_ID",
        datastoreVolumeId: "DATASTORE_VOLUME_ID",
    };
    return buildNodeSpec(cfg, slot, "NODE_NAME", placeholders);
}

function nameOf(cfg: InfraConfig, slot: NodeSlot, userData: string): string {
    const spec = {
        image: slot.image,
        flavor: slot.flavor,
        userData,
        cluster: clusterWideSettings(cfg),
        ...(slot.zone ? { zone: slot.zone } : {}),
    };
    return `${cfg.environment}-${slot.key}-${specHash(spec)}`;
}

/**
 * The node's name: `<env>-<slot>-<hash>`, the hash taken over image, flavor and the user-data
 * rendered with placeholders for everything that is not part of its immutable spec (its own
 * name, addresses, secrets; how the first server bootstraps is instance metadata, not user-data).
 */
export function nodeName(cfg: InfraConfig, slot: NodeSlot): string {
    return nameOf(cfg, slot, renderUserData(hashedSpec(cfg, slot), HASH_SECRETS));
}

/**
 * Every slot's node name, by slot key. The nodes of a pool share one placeholder spec, so its
 * user-data is rendered once per distinct spec rather than once per node (a 200-node pool: once).
 */
export function nodeNames(cfg: InfraConfig, slots: readonly NodeSlot[]): Map<string, string> {
    const rendered = new Map<string, string>();
    return new Map(
        slots.map((slot) => {
            const spec = hashedSpec(cfg, slot);
            const key = canonicalJson(spec);
            let userData = rendered.get(key);
            if (userData === undefined) {
                userData = renderUserData(spec, HASH_SECRETS);
                rendered.set(key, userData);
            }
            return [slot.key, nameOf(cfg, slot, userData)];
        }),
    );
}

/**
 * Node pool capacities by role, pool and flavor, for the resource-fit checks of the layers above:
 * with the pool's labels and taints, so a pod is only counted against pools it may land on.
 */
export function poolCapacities(
    slots: readonly NodeSlot[],
    flavors: InfraConfig["flavors"],
    controlPlaneTaint = false,
    pools: InfraConfig["agentPools"] = [],
): NodePoolCapacity[] {
    const groups = new Map<string, NodePoolCapacity>();
    const configured = new Map(pools.map((p) => [p.name, p]));
    for (const slot of slots) {
        const id = `${slot.role}/${slot.pool}/${slot.flavor}`;
        const size = flavors[slot.flavor];
        const prev = groups.get(id);
        const pool = configured.get(slot.pool);
        groups.set(id, {
            role: slot.role,
            flavor: slot.flavor,
            count: (prev?.count ?? 0) + 1,
            vcpus: size.vcpus,
            memoryMiB: size.ramMiB,
            ...(slot.role === "server" && controlPlaneTaint ? { tainted: true } : {}),
            ...(pool ? { pool: pool.name, labels: pool.labels, taints: pool.taints } : {}),
        });
    }
    return [...groups.values()];
}

export type { NodeInfo };
