/**
 * The infra layer's configuration: read, typed and validated in one place before any resource
 * exists. `parseInfraConfig` is pure (it only needs a lookup function) and reports every problem
 * at once.
 */
import { SNAPSHOT_NAME } from "./bootstrap";
import { DEFAULT_ETCD_SNAPSHOT_SCHEDULE } from "./etcdS3";
import { ConfigLookup, ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";
import { K3sInstall, readK3sInstall } from "./k3sInstall";
import { knownK3sRelease } from "./k3sReleases";
import { CiRunnerConfig, parseCiRunner } from "./ciRunnerConfig";
import { CloudCredentialConfig, parseCloudCredential } from "./cloudCredential";
import { AgentPoolConfig, labelProblem, readAgentPools, readZones } from "./pools";
import { nodeCapacityProblems } from "./capacity";
import { parseFlavorPrices, PriceTable } from "./pricing";
import { BackupStoreConfig, parseBackupStore } from "./backupStoreConfig";

export type { BackupStoreConfig } from "./backupStoreConfig";

export type AntiAffinity = "soft" | "hard";
export type FlannelBackend = "vxlan" | "wireguard-native";

export interface FlavorSize {
    readonly vcpus: number;
    readonly ramMiB: number;
}

export interface NodePoolConfig {
    readonly count: number;
    readonly flavor: string;
    readonly image: string;
    readonly labels: Record<string, string>;
}

/** Per-node deviations from its pool, e.g. a canary image on one agent: `{"agent-1": {"image": "..."}}`. */
export interface NodeOverride {
    readonly image?: string;
    readonly flavor?: string;
}

export type NetworkConfig =
    | {
          /** Create network, subnet and a router to `externalNetwork`. */
          readonly mode: "create";
          readonly cidr: string;
          readonly externalNetwork: string;
          readonly dnsNameservers: string[];
      }
    | {
          /** Attach to an existing tenant network by name (the course used "DHBW"). */
          readonly mode: "existing";
          readonly name: string;
          /** Optional: allocate a floating IP from this network for the entry point. */
          readonly externalNetwork?: string;
      };

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
}

/** Sizes of the flavors the seeds' OpenStack offers; config `flavors` may add or override. */
export const DEFAULT_FLAVORS: Record<string, FlavorSize> = {
    "mb1.small": { vcpus: 1, ramMiB: 2048 },
    "mb1.medium": { vcpus: 2, ramMiB: 4096 },
    "mb1.large": { vcpus: 4, ramMiB: 8192 },
    "mb1.xlarge": { vcpus: 8, ramMiB: 16384 },
};

export function parseInfraConfig(lookup: ConfigLookup, namespace: string, scope: string): InfraConfig {
    const r = new ConfigReader(namespace, lookup, scope);
    r.usesProviders(["openstack", "tls", "random", "command"]);

    const environment = r.environment("infra");
    const k3sVersion = r.string("k3sVersion", { allowed: 'a k3s release like "v1.35.6+k3s1" (vX.Y.Z+k3sN)', check: knownK3sRelease });
    const image = r.string("image", { allowed: 'an OpenStack image name like "Ubuntu 24.04"' });

    const serverCount = r.integer("serverCount", { default: 1, min: 1, max: 7 });
    if (serverCount % 2 === 0) {
        r.problem("serverCount", serverCount, "must be odd (1, 3, 5 or 7): embedded etcd needs an odd number of members for quorum");
    }
    const flavors = { ...DEFAULT_FLAVORS, ...r.json<Record<string, FlavorSize>>("flavors", { default: {}, expected: "a map of flavor name to {vcpus, ramMiB}" }) };
    for (const [name, size] of Object.entries(flavors)) {
        if (!size || !Number.isInteger(size.vcpus) || size.vcpus < 1 || !Number.isInteger(size.ramMiB) || size.ramMiB < 512) {
            r.problem(`flavors.${name}`, size, "must be {vcpus: integer >= 1, ramMiB: integer >= 512}");
        }
    }
    const flavor = (key: string) => {
        const value = r.string(key, { allowed: `an OpenStack flavor name, e.g. one of ${Object.keys(flavors).join(", ")}` });
        if (value.trim() !== "" && !(value in flavors)) {
            r.problem(key, value, `is not in the flavor table (${Object.keys(flavors).join(", ")}); add its size under flavors`);
        }
        return value;
    };
    const servers: NodePoolConfig = {
        count: serverCount,
        flavor: flavor("serverFlavor"),
        image: r.optionalString("serverImage") ?? image,
        labels: r.stringMap("serverLabels", { default: {} }),
    };
    for (const [k, v] of Object.entries(servers.labels)) {
        const problem = labelProblem(k, v);
        if (problem) r.problem(`serverLabels.${k}`, v, problem);
    }
    const availabilityZones = readZones(r);
    const antiAffinity = r.oneOf("antiAffinity", ["soft", "hard"] as const, { default: "soft" });
    const { pools: agentPools, warnings } = readAgentPools(r, {
        image,
        antiAffinity,
        zones: availabilityZones,
        flavorProblem: (f) => (f in flavors ? undefined : `is not in the flavor table (${Object.keys(flavors).join(", ")}); add its size under flavors`),
    });
    const poolCount = (key: string) => agentPools.find((p) => p.name === key)?.count ?? 0;

    const nodeOverrides = r.json<Record<string, NodeOverride>>("nodeOverrides", { default: {}, expected: 'a map like {"agent-1": {"image": "...", "flavor": "..."}}' }) ?? {};
    for (const [key, override] of Object.entries(nodeOverrides)) {
        const match = /^([a-z][a-z0-9]*)-(\d+)$/.exec(key);
        const count = match?.[1] === "server" ? serverCount : poolCount(match?.[1] === "agent" ? "default" : match?.[1] ?? "");
        if (!match || Number(match[2]) >= count) {
            const pools = agentPools.filter((p) => p.count > 0).map((p) => `${p.name === "default" ? "agent" : p.name}-0..${p.name === "default" ? "agent" : p.name}-${p.count - 1}`);
            r.problem(`nodeOverrides.${key}`, override, `names no node; use ${[`server-0..server-${serverCount - 1}`, ...pools].join(" or ")}`);
            continue;
        }
        const fields = Object.keys(override ?? {});
        if (typeof override !== "object" || override === null || fields.some((f) => f !== "image" && f !== "flavor")) {
            r.problem(`nodeOverrides.${key}`, override, 'may only set "image" and "flavor"');
            continue;
        }
        if (override.flavor !== undefined && !(override.flavor in flavors)) {
            r.problem(`nodeOverrides.${key}.flavor`, override.flavor, `is not in the flavor table (${Object.keys(flavors).join(", ")})`);
        }
        if (override.image !== undefined && (typeof override.image !== "string" || override.image.trim() === "")) {
            r.problem(`nodeOverrides.${key}.image`, override.image, "must be a non-empty image name");
        }
    }

    const mode = r.oneOf("networkMode", ["create", "existing"] as const, { default: "create" });
    const externalNetwork = r.optionalString("externalNetwork");
    let network: NetworkConfig;
    if (mode === "create") {
        const cidr = r.string("subnetCidr", { default: "10.0.0.0/24", check: (v) => check.ipv4Cidr(v) ?? check.specialRange(v) });
        // Nodes in the pod or service network: routes to pods and Services would shadow the nodes.
        for (const [what, net] of Object.entries(check.K3S_CLUSTER_CIDRS)) {
            if (check.cidrsOverlap(cidr, net)) r.problem("subnetCidr", cidr, `overlaps k3s' ${what === "pods" ? "pod" : "service"} network ${net}: node addresses would be routed into the cluster network; pick a subnet outside 10.42.0.0/15, e.g. 10.0.0.0/24`);
        }
        if (externalNetwork === undefined) {
            r.problem("externalNetwork", undefined, 'is required when networkMode is "create": the router needs an external network (e.g. "public")');
        }
        const dnsNameservers = r.stringList("dnsNameservers", { default: ["1.1.1.1", "9.9.9.9"], check: check.ipv4, minItems: 1 });
        network = { mode, cidr, externalNetwork: externalNetwork ?? "", dnsNameservers };
    } else {
        network = { mode, name: r.string("networkName", { allowed: 'the name of an existing network, e.g. "DHBW"' }), externalNetwork };
    }

    r.known("subnetCidr", "dnsNameservers", "networkName");

    const adminCidrs = r.stringList("adminCidrs", { check: check.ipv4Cidr, minItems: 1 });
    const ingressCidrs = r.stringList("ingressCidrs", { default: ["0.0.0.0/0"], check: check.ipv4Cidr });
    if (r.has("ingressCidrs") && ingressCidrs.length === 0) {
        r.problem("ingressCidrs", [], 'is empty, which would leave the ingress reachable by nobody (or, to a newcomer, look like "no restriction"): list the client ranges, or ["0.0.0.0/0"] with worldOpenIngress: "true" for a public ingress');
    }
    // Judged on the parsed networks, not the strings: 0.0.0.0/1 + 128.0.0.0/1 is 0.0.0.0/0.
    // Opening SSH/the API, or the ingress, to a /8 or more of public space is a decision, made
    // with an explicit opt-in (docs/infra.md), never by a typo or a default.
    const worldOpenAdmin = r.boolean("worldOpenAdmin", { default: false });
    const worldOpenIngress = r.boolean("worldOpenIngress", { default: false });
    const openness = (cidrs: string[]) => check.publicAddresses(cidrs);
    if (openness(adminCidrs) >= check.WORLD_OPEN_ADDRESSES && !worldOpenAdmin) {
        r.problem("adminCidrs", adminCidrs, `opens SSH and the Kubernetes API to ${openness(adminCidrs)} public addresses (a /8 or more): list your office/VPN ranges, or set worldOpenAdmin: "true" if you mean it`);
    }
    if (openness(ingressCidrs) >= check.WORLD_OPEN_ADDRESSES && !worldOpenIngress) {
        r.problem("ingressCidrs", ingressCidrs, `opens HTTP/HTTPS to ${openness(ingressCidrs)} public addresses (a /8 or more${r.has("ingressCidrs") ? "" : "; the default is 0.0.0.0/0"}): set worldOpenIngress: "true" for a public ingress, or list the client ranges`);
    }

    const adminNodePorts = r.json<unknown>("adminNodePorts", { default: [], expected: "a list of NodePorts (30000-32767)" }) ?? [];
    if (!Array.isArray(adminNodePorts) || adminNodePorts.some((p) => !Number.isInteger(p) || p < 30000 || p > 32767)) {
        r.problem("adminNodePorts", adminNodePorts, "must be a list of NodePorts between 30000 and 32767");
    } else {
        adminNodePorts.forEach((p, i) => {
            if (adminNodePorts.indexOf(p) !== i) r.problem(`adminNodePorts[${i}]`, p, `repeats adminNodePorts[${adminNodePorts.indexOf(p)}]; list each port once`);
        });
    }

    const sshPublicKey = r.string("sshPublicKey", { check: check.sshPublicKey });

    const etcdSnapshotSchedule = r.string("etcdSnapshotSchedule", { default: DEFAULT_ETCD_SNAPSHOT_SCHEDULE, check: check.cronSchedule });

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
        adminNodePorts: Array.isArray(adminNodePorts) ? (adminNodePorts as number[]) : [],
        localPathStorage: r.boolean("localPathStorage", { default: true }),
        controlPlaneTaint: r.boolean("controlPlaneTaint", { default: environment === "prod" }),
        sshPublicKey,
        antiAffinity,
        flannelBackend: r.oneOf("flannelBackend", ["vxlan", "wireguard-native"] as const, { default: "vxlan" }),
        etcdSnapshotSchedule,
        etcdSnapshotRetention: r.integer("etcdSnapshotRetention", { default: 12, min: 1, max: 100 }),
        readinessTimeoutMinutes: r.integer("readinessTimeoutMinutes", { default: 20, min: 1, max: 120 }),
        drainTaskGraceMinutes: r.integer("drainTaskGraceMinutes", { default: 10, min: 0, max: 119 }),
        nfsVolumeSizeGb: r.integer("nfsVolumeSizeGb", { default: 20, min: 1, max: 10000 }),
        restoreFromSnapshot: r.optionalString("restoreFromSnapshot", { pattern: SNAPSHOT_NAME, allowed: "an etcd snapshot name as `k3s etcd-snapshot ls` prints it (letters, digits, \".\", \"_\", \"-\")" }),
        protectData: r.boolean("protectData", { default: true }),
        openstackAuthUrl: r.string("openstackAuthUrl", { pattern: /^https?:\/\/\S+$/, allowed: 'the Keystone URL, e.g. "https://keystone.example.org:5000/v3"' }),
        openstackRegion: r.string("openstackRegion", { default: "RegionOne" }),
        flavors,
        ciRunner: parseCiRunner(r, environment, { flavor: agentPools[0]?.flavor || servers.flavor, image }),
        cloudCredential: parseCloudCredential(r),
        backupStore,
        prices: parseFlavorPrices(r, flavors, [servers.flavor, ...agentPools.map((p) => p.flavor), ...Object.values(nodeOverrides).flatMap((o) => (o?.flavor ? [o.flavor] : []))]),
    };
    if (config.drainTaskGraceMinutes >= config.readinessTimeoutMinutes) {
        r.problem("drainTaskGraceMinutes", config.drainTaskGraceMinutes, `must be less than readinessTimeoutMinutes (${config.readinessTimeoutMinutes}): the whole drain must end within that deadline`);
    }
    if (config.restoreFromSnapshot && !backupStore) {
        r.problem("restoreFromSnapshot", config.restoreFromSnapshot, "needs backupStore: the snapshot is read from the off-site bucket (every server, and its disk, is gone)");
    }
    for (const problem of nodeCapacityProblems(config, r.integer("instanceQuota", { default: 0, min: 0 }) || undefined)) r.problem(problem.key, problem.value, problem.message);
    r.finish();
    return config;
}
