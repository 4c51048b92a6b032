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
    /** RFC 3339 expiry of the admin client certificate in `kubeconfig`. */
    readonly adminCertExpiresAt?: string;
    /** S3-compatible store for etcd snapshots and database dumps (secret), when configured. */
    readonly backupStore?: BackupStoreOutput;
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
    /** cert-manager ClusterIssuers: `ca` (platform CA, any name or IP), `public` (ACME when configured, else `ca`). */
    readonly tlsIssuers?: { readonly ca: string; readonly public: string };
    /** What the cluster layer requests, so the apps layer can check the whole environment fits. */
    readonly requests: ResourceRequests;
    /** What the cluster's DaemonSets take on each node of a role (for the apps layer's per-pod fit). */
    readonly daemonSets?: { readonly server: ResourceRequests; readonly agent: ResourceRequests };
}

export const INFRA_OUTPUT_KEYS: readonly (keyof InfraOutputs)[] = [
    "environment", "kubeconfig", "apiEndpoint", "ingressAddress", "k3sVersion", "nodes", "nodePools",
    "cloudCredentials", "localPathStorage", "nfs", "networkId", "subnetId",
];
