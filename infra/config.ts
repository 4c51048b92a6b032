/**
 * The infra layer's configuration: read, typed and validated in one place before any resource
 * exists. `parseInfraConfig` is pure (it only needs a lookup function) and reports every problem
 * at once.
 */
import { ConfigLookup, ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";
import { K3sInstall, readK3sInstall } from "./k3sInstall";
import { CiRunnerConfig, CloudCredentialConfig, parseCiRunner, parseCloudCredential } from "./ciRunnerConfig";
import { parseFlavorPrices, PriceTable } from "./pricing";

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

/** S3-compatible object storage for etcd snapshots and database dumps. */
export interface BackupStoreConfig {
    /** `https://host[:port]` of the S3 API (Swift's s3api, AWS, MinIO...). */
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    /** Create the bucket (Swift container) and an EC2 credential here; else use the given credential. */
    readonly create: boolean;
    /** Given credential (config secrets `backupStoreAccessKey`/`backupStoreSecretKey`) when not created. */
    readonly accessKey?: string;
    readonly secretKey?: string;
}

export interface InfraConfig {
    readonly environment: string;
    readonly k3sVersion: string;
    /** How nodes get the pinned k3s: `download` (GitHub), `mirror` (internal HTTP(S)), `preinstalled` (image). */
    readonly k3sInstall: K3sInstall;
    readonly servers: NodePoolConfig;
    readonly agents: NodePoolConfig;
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
    /** Size of the Cinder volume behind the NFS export (RWX storage). */
    readonly nfsVolumeSizeGb: number;
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

const CRON = /^(\S+\s+){4}\S+$/;

export function parseInfraConfig(lookup: ConfigLookup, namespace: string, scope: string): InfraConfig {
    const r = new ConfigReader(namespace, lookup, scope);

    const environment = r.string("environment", { pattern: /^[a-z][a-z0-9-]{0,15}$/, allowed: "a short lowercase name like \"dev\" or \"prod\" (max 16 chars)" });
    const k3sVersion = r.string("k3sVersion", { pattern: check.K3S_VERSION, allowed: 'a k3s release like "v1.35.6+k3s1" (vX.Y.Z+k3sN)' });
    const image = r.string("image", { allowed: 'an OpenStack image name like "Ubuntu 24.04"' });

    const serverCount = r.integer("serverCount", { default: 1, min: 1, max: 7 });
    if (serverCount % 2 === 0) {
        r.problem("serverCount", serverCount, "must be odd (1, 3, 5 or 7): embedded etcd needs an odd number of members for quorum");
    }
    const agentCount = r.integer("agentCount", { default: 2, min: 0, max: 50 });
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
    const agents: NodePoolConfig = {
        count: agentCount,
        flavor: flavor("agentFlavor"),
        image: r.optionalString("agentImage") ?? image,
        labels: r.stringMap("agentLabels", { default: {} }),
    };
    for (const [key, labels] of [["serverLabels", servers.labels], ["agentLabels", agents.labels]] as const) {
        for (const [k, v] of Object.entries(labels)) {
            if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(k) || !/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(v)) {
                r.problem(`${key}.${k}`, v, "must be a valid Kubernetes label key and value");
            }
        }
    }

    const nodeOverrides = r.json<Record<string, NodeOverride>>("nodeOverrides", { default: {}, expected: 'a map like {"agent-1": {"image": "...", "flavor": "..."}}' }) ?? {};
    for (const [key, override] of Object.entries(nodeOverrides)) {
        const match = /^(server|agent)-(\d+)$/.exec(key);
        const count = match?.[1] === "server" ? serverCount : agentCount;
        if (!match || Number(match[2]) >= count) {
            r.problem(`nodeOverrides.${key}`, override, `names no node; use server-0..server-${serverCount - 1} or agent-0..agent-${Math.max(0, agentCount - 1)}`);
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
        const cidr = r.string("subnetCidr", { default: "10.0.0.0/24", check: check.ipv4Cidr });
        if (externalNetwork === undefined) {
            r.problem("externalNetwork", undefined, 'is required when networkMode is "create": the router needs an external network (e.g. "public")');
        }
        const dnsNameservers = r.stringList("dnsNameservers", { default: ["1.1.1.1", "9.9.9.9"], check: check.ipv4 });
        network = { mode, cidr, externalNetwork: externalNetwork ?? "", dnsNameservers };
    } else {
        network = { mode, name: r.string("networkName", { allowed: 'the name of an existing network, e.g. "DHBW"' }), externalNetwork };
    }

    r.known("subnetCidr", "dnsNameservers", "networkName");

    const adminCidrs = r.stringList("adminCidrs", { check: check.ipv4Cidr, minItems: 1 });
    const ingressCidrs = r.stringList("ingressCidrs", { default: ["0.0.0.0/0"], check: check.ipv4Cidr });
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

    const etcdSnapshotSchedule = r.string("etcdSnapshotSchedule", { default: "0 */6 * * *", pattern: CRON, allowed: 'a 5-field cron expression like "0 */6 * * *"' });

    const backupStore = parseBackupStore(r);

    const config: InfraConfig = {
        environment,
        k3sVersion,
        k3sInstall: readK3sInstall(r),
        servers,
        agents,
        nodeOverrides,
        network,
        adminCidrs,
        ingressCidrs,
        adminNodePorts: Array.isArray(adminNodePorts) ? (adminNodePorts as number[]) : [],
        localPathStorage: r.boolean("localPathStorage", { default: true }),
        controlPlaneTaint: r.boolean("controlPlaneTaint", { default: environment === "prod" }),
        sshPublicKey,
        antiAffinity: r.oneOf("antiAffinity", ["soft", "hard"] as const, { default: "soft" }),
        flannelBackend: r.oneOf("flannelBackend", ["vxlan", "wireguard-native"] as const, { default: "vxlan" }),
        etcdSnapshotSchedule,
        etcdSnapshotRetention: r.integer("etcdSnapshotRetention", { default: 12, min: 1, max: 100 }),
        readinessTimeoutMinutes: r.integer("readinessTimeoutMinutes", { default: 20, min: 1, max: 120 }),
        nfsVolumeSizeGb: r.integer("nfsVolumeSizeGb", { default: 20, min: 1, max: 10000 }),
        openstackAuthUrl: r.string("openstackAuthUrl", { pattern: /^https?:\/\/\S+$/, allowed: 'the Keystone URL, e.g. "https://keystone.example.org:5000/v3"' }),
        openstackRegion: r.string("openstackRegion", { default: "RegionOne" }),
        flavors,
        ciRunner: parseCiRunner(r, environment, { flavor: agents.flavor, image }, r.has("ciRunnerGithubToken")),
        cloudCredential: parseCloudCredential(r, r.has("cloudControllerCredentialSecret")),
        backupStore,
        prices: parseFlavorPrices(r, flavors, [servers.flavor, agents.flavor, ...Object.values(nodeOverrides).flatMap((o) => (o?.flavor ? [o.flavor] : []))]),
    };
    r.finish();
    return config;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function parseBackupStore(r: ConfigReader): BackupStoreConfig | undefined {
    r.known("backupStoreAccessKey", "backupStoreSecretKey");
    if (!r.has("backupStore")) return undefined;
    const raw = r.json<Record<string, unknown>>("backupStore", {
        expected: '{"endpoint": "https://object.example.org", "bucket": "platform-backups", "region": "RegionOne", "create": true}',
    });
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        r.problem("backupStore", raw, "must be an object with endpoint, bucket, region and create");
        return undefined;
    }
    for (const key of Object.keys(raw)) {
        if (!["endpoint", "bucket", "region", "create"].includes(key)) r.problem(`backupStore.${key}`, raw[key], "is not a setting; use endpoint, bucket, region, create");
    }
    const { endpoint, bucket, region = "RegionOne", create = false } = raw as Record<string, unknown>;
    if (typeof endpoint !== "string" || !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/.test(endpoint)) {
        r.problem("backupStore.endpoint", endpoint, 'must be the S3 API\'s base URL, e.g. "https://object.example.org" (no path)');
    }
    if (typeof bucket !== "string" || !BUCKET.test(bucket)) {
        r.problem("backupStore.bucket", bucket, "must be an S3 bucket name (3-63 chars: lowercase letters, digits, '.', '-')");
    }
    if (typeof region !== "string" || region.trim() === "") r.problem("backupStore.region", region, "must be a non-empty region name");
    if (typeof create !== "boolean") r.problem("backupStore.create", create, "must be true (create container and EC2 credential) or false (use backupStoreAccessKey/backupStoreSecretKey)");
    const accessKey = r.optionalString("backupStoreAccessKey");
    const secretKey = r.optionalString("backupStoreSecretKey");
    if (create === false && (accessKey === undefined || secretKey === undefined)) {
        for (const key of ["backupStoreAccessKey", "backupStoreSecretKey"]) {
            if (!r.has(key)) r.problem(key, undefined, `is required when backupStore.create is false: pulumi config set --secret ${key} ...`);
        }
    }
    return { endpoint: String(endpoint).replace(/\/$/, ""), bucket: String(bucket), region: String(region), create: create === true, accessKey, secretKey };
}
