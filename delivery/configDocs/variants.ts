/**
 * Reference configurations the docs generator runs every layer's parser over: together they
 * take every branch of the readers (network modes, install modes, backup stores, credentials
 * in each form), so every key is read at least once. Each must be valid: the generator stops
 * when the reader refuses one. Values here are documentation examples, never a deployment's.
 */
import type { Repository } from "../../apps/repository";

export type Layer = "infra" | "cluster" | "apps";

export interface Variant {
    readonly name: string;
    /** Raw values as Pulumi hands them to the program (structures as JSON). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys set with `--secret`. */
    readonly secrets?: readonly string[];
}

/** The repository the apps layer is deployed from, as the docs name it. */
export const DOCS_REPOSITORY: Repository = { owner: "example-org", name: "data-platform", source: "the reference docs" } as Repository;

const j = (v: unknown) => JSON.stringify(v);
/** A well-formed ed25519 public key (the body decodes to a 32-byte key) for documentation. */
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey000000 docs";

const INFRA_BASE = {
    k3sVersion: "v1.35.6+k3s1",
    image: "Ubuntu 24.04",
    serverFlavor: "mb1.large",
    adminCidrs: j(["198.51.100.0/24"]),
    worldOpenIngress: "true",
    sshPublicKey: SSH_KEY,
    openstackAuthUrl: "https://keystone.example.org:5000/v3",
    externalNetwork: "public",
};

const INFRA: Variant[] = [
    {
        name: "dev, created network, deprecated agent keys",
        values: {
            ...INFRA_BASE,
            environment: "dev",
            cloudCredentialExpiresAt: "2031-06-30",
            agentCount: "2",
            agentFlavor: "mb1.large",
            agentImage: "Ubuntu 24.04",
            agentLabels: j({ tier: "general" }),
        },
    },
    {
        name: "prod, existing network, pools, S3 store with its own credential, supplied cloud credential, CI runner",
        values: {
            ...INFRA_BASE,
            environment: "prod",
            serverCount: "3",
            networkMode: "existing",
            networkName: "tenant-net",
            agentPools: j({ default: { flavor: "mb1.large", count: 3 } }),
            availabilityZones: j(["az-1", "az-2", "az-3"]),
            backupStore: j({ endpoint: "https://s3.example.org", bucket: "platform-backups", region: "eu-1", create: false }),
            backupStoreAccessKey: "(secret)",
            backupStoreSecretKey: "(secret)",
            cloudControllerCredentialId: "0123456789abcdef0123456789abcdef",
            cloudControllerCredentialSecret: "(secret)",
            ciRunnerRepository: "example-org/data-platform",
            ciRunnerGithubToken: "(secret)",
            k3sInstall: "mirror",
            k3sMirrorUrl: "https://mirror.example.org/k3s",
        },
        secrets: ["backupStoreAccessKey", "backupStoreSecretKey", "cloudControllerCredentialSecret", "ciRunnerGithubToken"],
    },
    {
        name: "dev, created store, restore, prices",
        values: {
            ...INFRA_BASE,
            environment: "dev",
            cloudCredentialExpiresAt: "2031-06-30",
            cloudCredentialRoles: j(["member"]),
            cloudCredentialAccessRules: "true",
            backupStore: j({ endpoint: "https://object.example.org", bucket: "platform-backups", region: "RegionOne", create: true }),
            agentPools: j({ default: { flavor: "mb1.large", count: 2 } }),
            restoreFromSnapshot: "etcd-snapshot-server-0-1700000000",
            flavorPrices: j({ currency: "EUR", flavorPerMonth: { "mb1.large": 80 }, volumeGbPerMonth: 0.1 }),
        },
    },
];

const CLUSTER: Variant[] = [
    { name: "dev", values: { environment: "dev" } },
    {
        name: "prod, e-mail and Slack alerts",
        values: {
            environment: "prod",
            grafanaHost: "grafana.example.org",
            alertEmailTo: "ops@example.org",
            alertEmailFrom: "alerts@example.org",
            alertSmtpSmarthost: "smtp.example.org:587",
            alertSmtpUsername: "alerts",
            alertSmtpPassword: "(secret)",
            alertSlackWebhookUrl: "https://hooks.slack.com/services/T0000/B0000/docs",
            alertWebhookUrl: "https://alerts.example.org/hook",
            grafanaAllowedCidrs: j(["198.51.100.0/24"]),
            grafanaNodePort: "30090",
            platformCaDomains: j(["example.org"]),
            alertSlackChannel: "#alerts",
        },
        secrets: ["alertSmtpPassword", "alertSlackWebhookUrl", "alertWebhookUrl"],
    },
];

const APPS_BASE = { airflowHost: "airflow.example.org", todoHost: "todo.example.org", appsImageTag: "1.4.0" };

const APPS: Variant[] = [
    {
        name: "dev, own images named in full, allowlists",
        values: {
            ...APPS_BASE,
            environment: "dev",
            todoBackendImage: "ghcr.io/example-org/todo-backend:1.4.0",
            todoFrontendImage: "ghcr.io/example-org/todo-frontend:1.4.0",
            streamProducerImage: "ghcr.io/example-org/sensor-producer:1.4.0",
            streamProcessorImage: "ghcr.io/example-org/sensor-processor:1.4.0",
            airflowAllowedCidrs: j(["198.51.100.0/24"]),
            todoAllowedCidrs: j(["0.0.0.0/0"]),
        },
    },
    {
        name: "prod, private https DAG repository, registry credential",
        values: {
            ...APPS_BASE,
            environment: "prod",
            airflowDagsGitToken: "(secret)",
            imageRegistry: j({ server: "ghcr.io/example-org", username: "puller" }),
            imageRegistryToken: "(secret)",
        },
        secrets: ["airflowDagsGitToken", "imageRegistryToken"],
    },
    {
        name: "dev, private SSH DAG repository",
        values: {
            ...APPS_BASE,
            environment: "dev",
            airflowDagsRepo: "git@github.com:example-org/data-platform.git",
            airflowDagsGitSshKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            airflowDagsKnownHosts: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        },
        secrets: ["airflowDagsGitSshKey"],
    },
];

export const VARIANTS: Readonly<Record<Layer, readonly Variant[]>> = { infra: INFRA, cluster: CLUSTER, apps: APPS };
