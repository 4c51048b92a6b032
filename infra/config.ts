/**
 * The infra layer's configuration: read, typed and validated in one place before any resource
 * exists. `parseInfraConfig` is pure (it only needs a lookup function) and reports every problem
 * at once.
 */
import { SNAPSHOT_NAME } from "./bootstrap";
import { DEFAULT_ETCD_SNAPSHOT_SCHEDULE, ETCD_SNAPSHOT_MIN_GAP_MINUTES, snapshotRetention } from "./etcdS3";
import { cronAtMostEvery } from "../lib/config/cron";
import { ConfigLookup, ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";
import { K3sInstall, readK3sInstall } from "./k3sInstall";
import { knownK3sRelease } from "./k3sReleases";
import { CiRunnerConfig, parseCiRunner } from "./ciRunnerConfig";
import { CloudCredentialConfig, parseCloudCredential } from "./cloudCredential";
import { AgentPoolConfig, readAgentPools, readZones } from "./pools";
import { FlavorSize, NodeOverride, NodePoolConfig, readNodeOverrides, readServers } from "./nodeConfig";
import { NetworkConfig, readAccess, readNetwork } from "./networkConfig";
import { nodeCapacityProblems } from "./capacity";
import { parseFlavorPrices, PriceTable } from "./pricing";
import { BackupStoreConfig, parseBackupStore } from "./backupStoreConfig";
import { ADMIN_GROUP_KEYS, AdminGroupKey } from "./adminAccess";

export type { BackupStoreConfig } from "./backupStoreConfig";

// Node and network settings are read beside this file; importers keep reading their types here.
export { DEFAULT_FLAVORS, type FlavorSize, type NodeOverride, type NodePoolConfig } from "./nodeConfig";
export type { NetworkConfig } from "./networkConfig";

export type AntiAffinity = "soft" | "hard";
export type FlannelBackend = "vxlan" | "wireguard-native";

export interface InfraConfig {
    readonly environment: string;
    readonly k3sVersion: string;
    /** How nodes get the pinned k3s: `download` (GitHub), `mirror` (internal HTTP(S)), `preinstalled` (image). */
    readonly k3sInstall: K3sInstall;
    readonly servers: NodePoolConfig;
    /** Agent pools in config order (`agentPools`, or pool `default` from the pre-pool keys). */
    readonly agentPools: AgentPoolConfig[];
    /** Zones servers (one per zone) and pools (round-robin) are spread over; empty: the cloud's default. */
    readonly availabilityZones: string[];
    /** Deprecations to show on every run (the program logs them as warnings). */
    readonly warnings: string[];
    readonly nodeOverrides: Record<string, NodeOverride>;
    readonly network: NetworkConfig;
    readonly adminCidrs: string[];
    readonly ingressCidrs: string[];
    /** NodePorts opened to `adminCidrs` (e.g. Grafana on 30090, as in the course). */
    readonly adminNodePorts: number[];
    /**
     * Servers carry the control-plane NoSchedule taint: only control-plane pods and DaemonSets
     * run there, so etcd and the API keep the servers' CPU and memory. Default: on in prod.
     */
    readonly controlPlaneTaint: boolean;
    /** Keep k3s' node-local `local-path` StorageClass (data is lost when a node is replaced). */
    readonly localPathStorage: boolean;
    readonly sshPublicKey: string;
    readonly antiAffinity: AntiAffinity;
    readonly flannelBackend: FlannelBackend;
    readonly etcdSnapshotSchedule: string;
    readonly etcdSnapshotRetention: number;
    /** How long the readiness gate waits for /readyz and every node Ready. */
    readonly readinessTimeoutMinutes: number;
    /** How long a node's drain lets running Airflow task pods finish before evicting them. */
    readonly drainTaskGraceMinutes: number;
    /** Size of the Cinder volume behind the NFS export (RWX storage). */
    readonly nfsVolumeSizeGb: number;
    /** Which server token the cluster runs: raise it by one to rotate the token (infra/tokenRotation.ts). */
    readonly serverTokenGeneration: number;
    /** One-shot: every server was lost; server-0's next first boot restores this etcd snapshot. */
    readonly restoreFromSnapshot?: string;
    /** The NFS data volume is `protect`ed (destroy stops at it); "false" is the intent to delete it. */
    readonly protectData: boolean;
    /** Keystone URL and region handed to in-cluster OpenStack controllers. */
    readonly openstackAuthUrl: string;
    readonly openstackRegion: string;
    /** flavor name → size, used for resource-fit checks of the layers above. */
    readonly flavors: Record<string, FlavorSize>;
    /** Optional self-hosted GitHub Actions runner VM for CI deployments (docs/delivery.md). */
    readonly ciRunner?: CiRunnerConfig;
    /** Where the cloud controllers' application credential comes from. */
    readonly cloudCredential: CloudCredentialConfig;
    /** Off-site backups; unset: etcd snapshots stay on the servers' own disks only. */
    readonly backupStore?: BackupStoreConfig;
    /** Optional prices for the environment report's cost estimate (docs/delivery.md). */
    readonly prices?: PriceTable;
    /** Cluster-admin groups every server skips the binding of (docs/security.md, "Revoking a group"). */
    readonly revokedAdminGroups: AdminGroupKey[];
}

export function parseInfraConfig(lookup: ConfigLookup, namespace: string, scope: string): InfraConfig {
    const r = new ConfigReader(namespace, lookup, scope);
    r.usesProviders(["openstack", "tls", "random", "command"]);

    const environment = r.environment("infra");
    const k3sVersion = r.string("k3sVersion", { allowed: 'a k3s release like "v1.35.6+k3s1" (vX.Y.Z+k3sN)', check: knownK3sRelease });
    const image = r.string("image", { allowed: 'an OpenStack image name like "Ubuntu 24.04"' });

    const { servers, flavors } = readServers(r, image);
    const serverCount = servers.count;
    const availabilityZones = readZones(r);
    const antiAffinity = r.oneOf("antiAffinity", ["soft", "hard"] as const, { default: "soft" });
    const { pools: agentPools, warnings } = readAgentPools(r, {
        image,
        antiAffinity,
        zones: availabilityZones,
        flavorProblem: (f) =>
            f in flavors ? undefined : `is not in the flavor table (${Object.keys(flavors).join(", ")}); add its size under flavors`,
    });
    const nodeOverrides = readNodeOverrides(r, serverCount, agentPools, flavors);

    const network = readNetwork(r);
    r.known("subnetCidr", "dnsNameservers", "networkName");

    const { adminCidrs, ingressCidrs, adminNodePorts } = readAccess(r);

    const sshPublicKey = r.string("sshPublicKey", { check: check.sshPublicKey });

    const etcdSnapshotSchedule = r.string("etcdSnapshotSchedule", {
        default: DEFAULT_ETCD_SNAPSHOT_SCHEDULE,
        check: cronAtMostEvery(
            ETCD_SNAPSHOT_MIN_GAP_MINUTES,
            "etcd snapshots (each a full copy of the datastore, written to every server's disk and uploaded)",
        ),
    });

    const { store: backupStore, warnings: backupWarnings } = parseBackupStore(r);
    warnings.push(...backupWarnings);

    const config: InfraConfig = {
        environment,
        k3sVersion,
        k3sInstall: readK3sInstall(r),
        servers,
        agentPools,
        availabilityZones,
        warnings,
        nodeOverrides,
        network,
        adminCidrs,
        ingressCidrs,
        adminNodePorts,
        localPathStorage: r.boolean("localPathStorage", { default: true }),
        controlPlaneTaint: r.boolean("controlPlaneTaint", { default: environment === "prod" }),
        sshPublicKey,
        antiAffinity,
        flannelBackend: r.oneOf("flannelBackend", ["vxlan", "wireguard-native"] as const, { default: "vxlan" }),
        etcdSnapshotSchedule,
        etcdSnapshotRetention: snapshotRetention(r, etcdSnapshotSchedule),
        readinessTimeoutMinutes: r.integer("readinessTimeoutMinutes", { default: 20, min: 1, max: 120 }),
        drainTaskGraceMinutes: r.integer("drainTaskGraceMinutes", { default: 10, min: 0, max: 119 }),
        nfsVolumeSizeGb: r.integer("nfsVolumeSizeGb", { default: 20, min: 1, max: 10000 }),
        serverTokenGeneration: r.integer("serverTokenGeneration", { default: 1, min: 1, max: 9999 }),
        restoreFromSnapshot: r.optionalString("restoreFromSnapshot", {
            pattern: SNAPSHOT_NAME,
            allowed: 'an etcd snapshot name as `k3s etcd-snapshot ls` prints it (letters, digits, ".", "_", "-")',
        }),
        protectData: r.boolean("protectData", { default: true }),
        openstackAuthUrl: r.string("openstackAuthUrl", {
            pattern: /^https?:\/\/\S+$/,
            allowed: 'the Keystone URL, e.g. "https://keystone.example.org:5000/v3"',
        }),
        openstackRegion: r.string("openstackRegion", { default: "RegionOne" }),
        flavors,
        ciRunner: parseCiRunner(r, environment, { flavor: agentPools[0]?.flavor || servers.flavor, image }),
        cloudCredential: parseCloudCredential(r),
        backupStore,
        prices: parseFlavorPrices(r, flavors, [
            servers.flavor,
            ...agentPools.map((p) => p.flavor),
            ...Object.values(nodeOverrides).flatMap((o) => (o?.flavor ? [o.flavor] : [])),
        ]),
        revokedAdminGroups: r.stringList("revokedAdminGroups", { default: [], check: adminGroupProblem }) as AdminGroupKey[],
    };
    if (config.drainTaskGraceMinutes >= config.readinessTimeoutMinutes) {
        r.problem(
            "drainTaskGraceMinutes",
            config.drainTaskGraceMinutes,
            `must be less than readinessTimeoutMinutes (${config.readinessTimeoutMinutes}): the whole drain must end within that deadline`,
        );
    }
    if (config.restoreFromSnapshot && !backupStore) {
        r.problem(
            "restoreFromSnapshot",
            config.restoreFromSnapshot,
            "needs backupStore: the snapshot is read from the off-site bucket (every server, and its disk, is gone)",
        );
    }
    for (const problem of nodeCapacityProblems(config, r.integer("instanceQuota", { default: 0, min: 0 }) || undefined))
        r.problem(problem.key, problem.value, problem.message);
    r.finish();
    return config;
}

/** What `revokedAdminGroups` may list: the groups adminAccess.ts binds, by their short name. */
function adminGroupProblem(item: string): string | undefined {
    if ((ADMIN_GROUP_KEYS as readonly string[]).includes(item)) return undefined;
    return (
        `must be one of ${ADMIN_GROUP_KEYS.map((k) => `"${k}"`).join(", ")} ` +
        `("deployers": data-platform:deployers, the deploy identity; "admins": data-platform:admins, people)`
    );
}
