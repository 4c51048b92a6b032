/**
 * The outputs each layer publishes for the layers above it. The producing layer's stack outputs
 * and the consuming layer's StackReference reads both use these names, so a rename is a compile
 * error rather than a broken `pulumi up`.
 */

/** Capacity of one node pool, from the flavor table in infra config. */
export interface NodePoolCapacity {
    readonly role: "server" | "agent";
    readonly count: number;
    readonly flavor: string;
    readonly vcpus: number;
    readonly memoryMiB: number;
    /** Servers carrying the control-plane NoSchedule taint: ordinary pods do not run there. */
    readonly tainted?: boolean;
    /** Agent pool name (infra `agentPools`); absent for servers and in outputs of older code. */
    readonly pool?: string;
    /** The pool's node labels from config (what a nodeSelector placing pods on it selects). */
    readonly labels?: Record<string, string>;
    /** The pool's taints, `key[=value]:Effect`: only pods tolerating them land there. */
    readonly taints?: string[];
}

export interface NodeInfo {
    readonly name: string;
    readonly role: "server" | "agent";
    readonly address: string;
}

/** OpenStack credentials for in-cluster controllers (cloud controller manager, cinder-csi). */
export interface CloudCredentials {
    readonly authUrl: string;
    readonly region: string;
    readonly applicationCredentialId: string;
    readonly applicationCredentialSecret: string;
}

/** Stack outputs of an `*-infra` stack. */
export interface InfraOutputs {
    readonly environment: string;
    /** Admin kubeconfig using the API's external address (secret). */
    readonly kubeconfig: string;
    readonly apiEndpoint: string;
    /** Address (floating IP or first agent's address) on which ingress answers 80/443. */
    readonly ingressAddress: string;
    readonly k3sVersion: string;
    readonly nodes: NodeInfo[];
    readonly nodePools: NodePoolCapacity[];
    /** Application credential for the cluster's OpenStack integrations (secret). */
    readonly cloudCredentials: CloudCredentials;
    /** Whether k3s' node-local `local-path` StorageClass exists (infra `localPathStorage`). */
    readonly localPathStorage: boolean;
    /** NFS export (backed by a Cinder volume) for RWX storage. */
    readonly nfs: { readonly server: string; readonly path: string };
    readonly networkId: string;
    readonly subnetId: string;
    /** RFC 3339 expiry of the deploy identity's client certificate in `kubeconfig` (30 days). */
    readonly adminCertExpiresAt?: string;
    /** Last day (YYYY-MM-DD) the cloud controllers' created application credential works. */
    readonly cloudCredentialExpiresAt?: string;
    /** S3-compatible store for etcd snapshots and database dumps (secret), when configured. */
    readonly backupStore?: BackupStoreOutput;
    /** Which backup credential generation is active and who owns each (not secret), with backupStore. */
    readonly backupCredentials?: BackupCredentialsOutput;
    /** With backupStore.pruning "store": the bucket policy, versioning and lifecycle its owner applies (docs/security.md). */
    readonly backupStoreRules?: Record<string, unknown>;
    /** `adminCidrs` of the infra config: the default allowlist of the admin UIs' Ingresses. */
    readonly adminCidrs?: string[];
    /** Generated once per cluster; present once a deployment passed the readiness gate. */
    readonly clusterId?: string;
    /** The server token generation the cluster runs, from 2 on (infra `serverTokenGeneration`); absent: 1. */
    readonly serverTokenGeneration?: number;
}

/** Object-key prefixes inside the backup bucket, per environment (infra writes etcd, apps Postgres). */
export const backupPrefixes = (environment: string) => ({
    etcd: `${environment}/etcd`,
    postgres: (database: string) => `${environment}/postgres/${database}`,
});

/** Infra output `backupStore`: where and how backups are written. */
export interface BackupStoreOutput {
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    readonly accessKey: string;
    readonly secretKey: string;
    /** Key the Postgres dumps are encrypted with before upload (rclone crypt); lose it and the dumps are unreadable. */
    readonly encryptionPassphrase?: string;
    /** `writers` (unset in older stacks): the writers prune past retention; `store`: they never delete, the bucket expires objects. */
    readonly pruning?: "writers" | "store";
}

/** Infra output `backupCredentials` (not secret): the generation the writers use and who owns each live one. */
export interface BackupCredentialsOutput {
    /** 0 for a given credential (backupStoreAccessKey). */
    readonly active: number;
    readonly live: readonly { readonly generation: number; readonly owner: string }[];
}

/** Summed resource requests a layer places on the cluster. */
export interface ResourceRequests {
    readonly cpuMilli: number;
    readonly memoryMiB: number;
}

/** Stack outputs of an `*-cluster` stack. */
export interface ClusterOutputs {
    readonly environment: string;
    readonly ingressClass: string;
    readonly storageClasses: { readonly rwo: string; readonly rwx: string };
    readonly kafkaBootstrap: string;
    readonly kafkaTopics: { readonly events: string; readonly results: string };
    readonly kafkaPartitions: number;
    readonly monitoringNamespace: string;
    readonly grafanaUrl: string;
    /**
     * cert-manager ClusterIssuers: `ca` (platform CA, any name or IP), `public` (ACME when configured,
     * else `ca`), `internal` (in-cluster Service names only; absent from older cluster stacks).
     */
    readonly tlsIssuers?: {
        readonly ca: string;
        readonly public: string;
        readonly caDomains?: readonly string[];
        readonly internal?: string;
    };
    /** What the cluster layer requests, so the apps layer can check the whole environment fits. */
    readonly requests: ResourceRequests;
    /** What the cluster's DaemonSets take on each node of a role (for the apps layer's per-pod fit). */
    readonly daemonSets?: { readonly server: ResourceRequests; readonly agent: ResourceRequests };
}

export const INFRA_OUTPUT_KEYS: readonly (keyof InfraOutputs)[] = [
    "environment",
    "kubeconfig",
    "apiEndpoint",
    "ingressAddress",
    "k3sVersion",
    "nodes",
    "nodePools",
    "cloudCredentials",
    "localPathStorage",
    "nfs",
    "networkId",
    "subnetId",
];

/** Keys of T that T declares as always present. */
type RequiredKey<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type OptionalKey<T> = Exclude<keyof T, RequiredKey<T>>;

/**
 * The outputs of one lower stack that a layer reads through its StackReference: `required` ones
 * exist on every deployed stack of that layer (the contract says so), `optional` ones only when
 * configured. The types hold each list to the contract's own optionality.
 */
export interface OutputReads<T> {
    readonly required: readonly RequiredKey<T>[];
    readonly optional: readonly OptionalKey<T>[];
}

/** What the cluster layer reads from the infra stack. */
export const CLUSTER_READS_INFRA = {
    required: ["kubeconfig", "cloudCredentials", "ingressAddress", "nodes", "nodePools", "nfs", "localPathStorage"],
    optional: ["adminCidrs"],
} as const satisfies OutputReads<InfraOutputs>;

/** What the apps layer reads from the infra stack. */
export const APPS_READS_INFRA = {
    required: ["kubeconfig", "nodePools", "nodes"],
    optional: ["backupStore", "adminCidrs"],
} as const satisfies OutputReads<InfraOutputs>;

/** What the apps layer reads from the cluster stack. */
export const APPS_READS_CLUSTER = {
    // grafanaUrl: an app host may not be Grafana's too (apps/lowerStacks.ts checks it before anything is made).
    required: [
        "ingressClass",
        "storageClasses",
        "kafkaBootstrap",
        "kafkaTopics",
        "kafkaPartitions",
        "monitoringNamespace",
        "requests",
        "grafanaUrl",
    ],
    optional: ["daemonSets", "tlsIssuers"],
} as const satisfies OutputReads<ClusterOutputs>;

type Layer = "infra" | "cluster" | "apps";

/**
 * Which lower layers' outputs each layer reads. The layers read through these lists only, and
 * `npm run up` uses them to decide whether an upper layer can be previewed before the layer
 * below it is applied (delivery/deploy/layerReads.ts).
 */
export const LAYER_READS: {
    readonly [Upper in Layer]: {
        readonly [Lower in Layer]?: { readonly required: readonly string[]; readonly optional: readonly string[] };
    };
} = {
    infra: {},
    cluster: { infra: CLUSTER_READS_INFRA },
    apps: { infra: APPS_READS_INFRA, cluster: APPS_READS_CLUSTER },
};

/** Annotation of a workload whose schema migrations are expand-only: its image may roll back (delivery/rollback/rollback.ts). */
export const SCHEMA_POLICY = "data-platform.io/schema-policy";
