/** What each infra key is for (docs/config.md); the reader supplies kind, default and allowed values. */
import type { KeyDocs } from "../keyDoc";

export const INFRA_KEYS: KeyDocs = {
    environment: { meaning: "environment name; must match the stack name `<environment>-infra`" },
    k3sVersion: { meaning: "k3s release every node runs; one minor at a time upwards", irreversible: ["k3s-downgrade", "k3s-minor-jump"] },
    image: { meaning: "OpenStack image of every node; `serverImage` and a pool's `image` override it" },
    serverCount: { meaning: "k3s servers (embedded etcd members)", irreversible: ["server-count-decrease"] },
    flavors: {
        meaning:
            "flavor name → `{vcpus, ramMiB}`, added to the built-in table " +
            "(mb1.small/medium/large/xlarge); used by the resource-fit checks",
        default: "the built-in table",
    },
    serverFlavor: { meaning: "flavor of the servers (in the flavor table)" },
    serverImage: { meaning: "image of the servers", default: "`image`" },
    serverLabels: { meaning: "extra Kubernetes node labels of the servers" },
    availabilityZones: { meaning: "zones: servers one per zone, pools round-robin ([infra.md](infra.md#availability-zones))" },
    antiAffinity: { meaning: "server group policy: `hard` refuses to boot two nodes of a group on one hypervisor" },
    agentPools: {
        meaning: "agent pools ([infra.md](infra.md#agent-pools))",
        allowed: "map pool name → `{flavor, count, image?, labels?, taints?, antiAffinity?, maxUnavailable?, availabilityZones?}`",
        default: "pool `default` from the deprecated agent keys",
    },
    agentCount: {
        meaning:
            "**deprecated**: pool `default`'s count; warned on every run with the exact `agentPools` entry, refused beside `agentPools`",
    },
    agentFlavor: { meaning: "**deprecated**: pool `default`'s flavor (see `agentCount`)" },
    agentImage: { meaning: "**deprecated**: pool `default`'s image (see `agentCount`)", default: "`image`" },
    agentLabels: { meaning: "**deprecated**: pool `default`'s labels (see `agentCount`)" },
    nodeOverrides: {
        meaning: 'canary one node: `{"agent-1": {"image": "...", "flavor": "..."}}` (`agent-N`: pool default, `<pool>-N`: other pools)',
    },
    networkMode: { meaning: "`create` a network, subnet and router, or attach to an `existing` network" },
    externalNetwork: {
        meaning: "external network of the router and floating IPs; required with `create`, optional with `existing` (then no floating IP)",
    },
    subnetCidr: { meaning: "`create` mode: the nodes' subnet; must not overlap k3s' pod (10.42.0.0/16) or service (10.43.0.0/16) network" },
    dnsNameservers: { meaning: "`create` mode: resolvers of the subnet" },
    networkName: { meaning: "`existing` mode (required there): the network's name" },
    adminCidrs: { meaning: "who reaches SSH and the Kubernetes API; a /8 or more of public space needs `worldOpenAdmin`" },
    ingressCidrs: {
        meaning:
            "who reaches HTTP/HTTPS; a /8 or more of public space (the default " +
            "included) needs `worldOpenIngress`; an empty list is refused",
    },
    worldOpenAdmin: { meaning: "explicit opt-in for world-open `adminCidrs`" },
    worldOpenIngress: { meaning: "explicit opt-in for a public ingress" },
    adminNodePorts: {
        meaning: "NodePorts opened to `adminCidrs` (e.g. `[30090]` with the cluster's `grafanaNodePort`)",
        allowed: "a list of NodePorts (30000-32767), each once",
    },
    sshPublicKey: { meaning: "OpenSSH public key of the nodes' admin user", irreversible: ["ssh-key-existing-nodes"] },
    etcdSnapshotSchedule: { meaning: "when the servers take etcd snapshots" },
    backupStore: {
        meaning:
            "S3-compatible bucket for etcd snapshots and the apps' database dumps; `create: true` makes a Swift " +
            "container and one EC2 credential per `credentials` generation, each created by its `owner` " +
            "(`deployer` or a backup user); `pruning: store` with `expireAfterDays`: the writers never delete, " +
            "the bucket's rules expire backups ([security.md](security.md#off-site-backups-and-restore))",
        allowed:
            '`{"endpoint", "bucket", "region", "create", "credentials": ' +
            '[{"generation", "owner"}], "pruning": "writers"|"store", "expireAfterDays"}`',
        irreversible: ["backup-credential-retired"],
    },
    backupStoreAccessKey: { meaning: "access key of a bucket given with `backupStore.create: false` (required then)" },
    backupStoreSecretKey: { meaning: "secret key of a bucket given with `backupStore.create: false` (required then)" },
    backupOwnerPassword: {
        meaning: "password the backup user of a `backupStore.credentials` owner signs in with to create its EC2 credential (required then)",
    },
    k3sInstall: {
        meaning: "how nodes get the pinned k3s: `download` (GitHub), `mirror` (internal HTTP(S)), `preinstalled` (in the image)",
    },
    k3sMirrorUrl: { meaning: "`mirror` only, required there: URL holding `<version>/{install.sh,k3s,sha256sum-amd64.txt}`" },
    k3sMirrorCaCert: {
        meaning:
            "`mirror` only: PEM CA certificate the mirror's serving certificate " +
            "chains to (a private CA); the nodes trust only it for the mirror",
    },
    k3sMirrorInstallScriptSha256: { meaning: "`mirror` only: sha256 of the mirror's `install.sh`", default: "the repository's pin" },
    localPathStorage: { meaning: "keep k3s' node-local `local-path` StorageClass (data is lost with the node)" },
    controlPlaneTaint: {
        meaning: "servers get `node-role.kubernetes.io/control-plane:NoSchedule`: etcd and the API keep the servers",
        default: "`true` in prod, else `false`",
    },
    flannelBackend: { meaning: "pod network encapsulation; changing it rolls every node" },
    etcdSnapshotRetention: { meaning: "snapshots kept on each server's disk and, with `backupStore`, in the bucket" },
    readinessTimeoutMinutes: { meaning: "how long the readiness gate waits for `/readyz` and every node Ready" },
    drainTaskGraceMinutes: {
        meaning:
            "how long a node's drain lets running Airflow task pods finish before it evicts them; less than " +
            "`readinessTimeoutMinutes` ([infra.md](infra.md#the-lifecycle-commands))",
    },
    nfsVolumeSizeGb: { meaning: "size of the Cinder volume behind the NFS export (RWX storage)", irreversible: ["volume-shrink"] },
    serverTokenGeneration: {
        meaning:
            "which server token the cluster runs; raise it by one to rotate the token (`k3s token rotate`, then " +
            "every server replaced; [infra.md](infra.md#rotating-the-server-token))",
    },
    restoreFromSnapshot: {
        meaning: "one-shot, with `backupStore`: the next new server-0 restores this etcd snapshot; `npm run restore` sets and removes it",
    },
    protectData: {
        meaning: 'the NFS data volume is `protect`ed; `"false"` (then `npm run up`) is the intent to let `npm run down` delete it',
    },
    openstackAuthUrl: { meaning: "Keystone URL handed to the in-cluster OpenStack controllers" },
    openstackRegion: { meaning: "OpenStack region of the in-cluster controllers" },
    ciRunnerRepository: {
        meaning: "a self-hosted GitHub Actions runner VM for this repository ([delivery.md](delivery.md)); unset: no runner",
    },
    ciRunnerGithubToken: {
        meaning: "token the runner VM registers a just-in-time runner with before every job (required with `ciRunnerRepository`)",
    },
    ciRunnerLabels: { meaning: "labels of the runner", default: '`["data-platform-<environment>"]`' },
    ciRunnerPullRequests: { meaning: "let pull requests' jobs run on the runner (never in prod)" },
    ciRunnerFlavor: { meaning: "flavor of the runner VM", default: "the first pool's flavor" },
    ciRunnerImage: { meaning: "image of the runner VM", default: "`image`" },
    ciRunnerToken: { meaning: "one-hour registration token of the old long-lived runner", retired: "`ciRunnerGithubToken`" },
    ciRunnerVersion: { meaning: "runner release", retired: "the release pinned in infra/ciRunnerRelease.ts" },
    ciRunnerSha256: { meaning: "runner checksum", retired: "the checksum pinned in infra/ciRunnerRelease.ts" },
    cloudCredentialExpiresAt: {
        meaning:
            "last day (UTC) the cloud controllers' created application credential works; a later date rotates it " +
            "([security.md](security.md#the-cloud-controllers-credential)); required unless the credential is supplied",
    },
    cloudCredentialRoles: { meaning: "project roles of the created credential; `admin`, `manager`, `service` refused" },
    cloudCredentialAccessRules: {
        meaning: "restrict the created credential to the API calls the controllers make; `false` only on clouds that refuse access rules",
    },
    cloudControllerCredentialId: { meaning: "use this application credential for the cloud controllers instead of creating one" },
    cloudControllerCredentialSecret: { meaning: "secret of `cloudControllerCredentialId` (required with it)" },
    flavorPrices: {
        meaning:
            "prices for the environment report's cost estimate " +
            "([delivery.md](delivery.md#environment-report-npm-run-report)); every flavor in use must be priced",
        allowed: '`{"currency", "flavorPerMonth": {flavor: price}, "volumeGbPerMonth"}`',
    },
    revokedAdminGroups: {
        meaning:
            "cluster-admin groups every server skips the binding of, so a replaced server cannot re-grant them: `deployers` " +
            "(the deploy identity), `admins` (people); the binding itself is deleted once by hand " +
            "([security.md](security.md#cluster-admin-access-revocable-groups-short-lived-certificates))",
    },
    instanceQuota: { meaning: "the project's instance quota: servers + agents (+ CI runner) must fit; 0: unchecked" },
};
