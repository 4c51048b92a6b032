/**
 * The apps layer: Airflow, the Todo app and the sensor stream, on the cluster the infra and
 * cluster stacks built. Config is validated first, then the lower stacks' outputs (processor
 * replicas vs. partitions, whole-environment resource fit); nothing is created when any check
 * fails. Every Kubernetes object goes through one provider built from infra's kubeconfig.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackLookup } from "../lib/config/stack";
import * as k8s from "@pulumi/kubernetes";
import { currentRepository, Repository } from "./repository";
import { AppsConfig, parseAppsConfig, stackReferenceNames } from "./config";
import { readLowerStacks } from "./lowerStacks";
import { AirflowPlatform } from "./airflow/airflow";
import { airflowRequestItems } from "./airflow/values";
import { POSTGRES_RESOURCES } from "./resources";
import { TodoApp, todoRequestItems } from "./todo/todoApp";
import { SensorStream, streamRequestItems } from "./stream/sensorStream";
import { AppMonitoring } from "./monitoring/appMonitoring";
import { addRequests, assertFits, FitReport, RequestItem, sumRequests } from "../lib/fit";
import { assertPodsFit, nodeRooms, podsOf } from "../lib/nodeFit";
import { backupPrefixes } from "../lib/contracts";
import { kubernetesClusterIdentifier } from "../lib/naming";
import type { ClusterOutputs, NodePoolCapacity, ResourceRequests } from "../lib/contracts";
import type { OffsiteTarget } from "./postgres";
import { appTls, tlsAnnotations } from "./tls";
import { appsNetworkPolicies, endpointPort, kafkaEndpoint } from "./networkPolicies";
import { NetworkPolicySet } from "../lib/kube/networkPolicySet";
import { adminAllowlist, allowlistAnnotations } from "../lib/kube/ingressAllowlist";

export const NAMESPACES = { airflow: "airflow", todo: "microservices", stream: "stream" } as const;

/** Every request the apps layer places, item by item (for the fit check and the docs). */
export function appsRequestItems(config: AppsConfig): RequestItem[] {
    return [
        ...airflowRequestItems(config.airflow, { postgres: POSTGRES_RESOURCES.server, backup: POSTGRES_RESOURCES.backup }),
        ...todoRequestItems(config.todo),
        ...streamRequestItems(config.stream),
    ];
}

export function appsRequests(config: AppsConfig): ResourceRequests {
    return sumRequests(appsRequestItems(config));
}

/**
 * Whole-environment fit: the cluster layer's requests plus this layer's against the infra
 * stack's node pools. Throws a message naming both numbers and the nodes when headroom is short.
 */
export function checkEnvironmentFit(
    environment: string,
    pools: readonly NodePoolCapacity[],
    cluster: ResourceRequests,
    apps: ResourceRequests,
    minHeadroom: number,
): FitReport {
    return assertFits(
        `environment "${environment}" (cluster layer ${cluster.cpuMilli}m/${Math.round(cluster.memoryMiB)}Mi ` +
            `+ apps layer ${apps.cpuMilli}m/${Math.round(apps.memoryMiB)}Mi)`,
        addRequests(cluster, apps),
        pools,
        minHeadroom,
    );
}

/** Every pod of this layer fits on a node it may run on (ordinary pods: not on tainted servers). */
export function checkPodFit(
    config: AppsConfig,
    pools: readonly NodePoolCapacity[],
    daemonSets: ClusterOutputs["daemonSets"] | undefined,
): void {
    const none = { cpuMilli: 0, memoryMiB: 0 };
    assertPodsFit(
        `environment "${config.environment}" (apps layer)`,
        podsOf(appsRequestItems(config)),
        nodeRooms(pools, daemonSets ?? { server: none, agent: none }),
    );
}

/** @param standIn the repository to assume when the environment names none (the offline synth's). */
export async function appsLayer(standIn?: Repository): Promise<Record<string, unknown>> {
    const project = pulumi.getProject();
    const scope = `stack ${pulumi.getStack()}`;
    const repository = currentRepository(process.env, process.cwd(), standIn);
    const config = parseAppsConfig(stackLookup(), project, scope, { repository });

    // An unset stackOrganization means "the organization this stack lives in" (Pulumi Cloud
    // org, or "organization" on DIY backends and under synth).
    const refs = stackReferenceNames(config.stacks, pulumi.getOrganization());
    // Read and check the lower stacks' outputs before creating anything, so a wrong replica count,
    // a malformed output or an environment that would not fit stops here with one clear message.
    const { infra, cluster: c } = await readLowerStacks(config, refs, project, scope);
    const pools = infra.nodePools;
    // Off-site dumps when infra has a backup store (its output is secret: it holds the credential).
    const store = infra.backupStore;
    const offsite = (database: string): OffsiteTarget | undefined =>
        store && {
            store: { endpoint: store.endpoint, bucket: store.bucket, region: store.region },
            accessKey: pulumi.secret(store.accessKey),
            secretKey: pulumi.secret(store.secretKey),
            encryptionPassphrase: pulumi.secret(store.encryptionPassphrase!),
            prefix: backupPrefixes(config.environment).postgres(database),
            rcloneImage: config.backupImage,
            // "store": the bucket's lifecycle rule expires old dumps; the Job's credential never deletes.
            prune: store.pruning !== "store",
        };

    const requests = appsRequests(config);
    const fit = checkEnvironmentFit(config.environment, pools, c.requests, requests, config.minHeadroom);
    // Each pod on one node: after system reservations and the cluster's DaemonSets.
    checkPodFit(config, pools, c.daemonSets);

    // The one provider: infra's admin kubeconfig, never an ambient ~/.kube/config.
    const provider = new k8s.Provider(`${config.environment}-apps-k8s`, {
        kubeconfig: infra.kubeconfig,
        clusterIdentifier: kubernetesClusterIdentifier(config.environment),
        enableServerSideApply: true,
    });
    const opts = { providers: { kubernetes: provider } };

    // HTTPS through cert-manager when the cluster layer has issuers (an existing Secret wins).
    const issuers = c.tlsIssuers;
    const airflowTls = appTls("airflow", config.airflow.host, config.airflow.tlsSecretName, issuers);
    // The Airflow UI is an admin UI: only the admin networks unless configured otherwise.
    const airflowAllowed = adminAllowlist("airflowAllowedCidrs", config.airflow.allowedCidrs, infra.adminCidrs, refs.infra);
    const todoTls = appTls("todo", config.todo.host, config.todo.tlsSecretName, issuers);

    const airflow = new AirflowPlatform(
        "airflow",
        {
            config: { ...config.airflow, tlsSecretName: airflowTls?.secretName },
            ingressAnnotations: { ...tlsAnnotations(airflowTls), ...allowlistAnnotations(airflowAllowed) },
            namespace: NAMESPACES.airflow,
            ingressClass: c.ingressClass,
            storageClasses: c.storageClasses,
            monitoringNamespace: c.monitoringNamespace,
            protect: config.protectStateful,
            offsiteBackup: offsite("airflow"),
            pullCredential: config.pullCredential,
            internalIssuer: issuers?.internal,
        },
        opts,
    );

    const todo = new TodoApp(
        "todo",
        {
            config: { ...config.todo, tlsSecretName: todoTls?.secretName },
            ingressAnnotations: { ...tlsAnnotations(todoTls), ...allowlistAnnotations(config.todo.allowedCidrs) },
            namespace: NAMESPACES.todo,
            ingressClass: c.ingressClass,
            storageClass: c.storageClasses.rwo,
            protect: config.protectStateful,
            offsiteBackup: offsite("todo"),
            pullCredential: config.pullCredential,
        },
        opts,
    );

    const stream = new SensorStream(
        "sensor-stream",
        {
            config: config.stream,
            namespace: NAMESPACES.stream,
            kafka: { bootstrap: c.kafkaBootstrap, eventsTopic: c.kafkaTopics.events, resultsTopic: c.kafkaTopics.results },
            pullCredential: config.pullCredential,
        },
        opts,
    );

    new AppMonitoring(
        "monitoring",
        { namespaces: NAMESPACES, monitoringNamespace: c.monitoringNamespace, after: [airflow, todo, stream] },
        opts,
    );

    // Default-deny with explicit allows in every apps namespace (docs/security.md).
    const nodes = infra.nodes;
    new NetworkPolicySet(
        "network-policies",
        {
            layer: "apps",
            policies: appsNetworkPolicies({
                namespaces: NAMESPACES,
                monitoringNamespace: c.monitoringNamespace,
                kafka: kafkaEndpoint(c.kafkaBootstrap),
                apiServers: nodes.filter((n) => n.role === "server").map((n) => n.address),
                objectStorePort: store ? endpointPort(store.endpoint) : undefined,
            }),
            after: [airflow, todo, stream],
        },
        opts,
    );

    const pct = (x: number) => Math.round(x * 1000) / 10;
    return {
        environment: config.environment,
        airflowUrl: airflow.url,
        airflowAdminUser: "admin",
        airflowAdminPassword: airflow.adminPassword,
        todoUrl: todo.url,
        backups: store
            ? { bucket: store.bucket, prefixes: ["airflow", "todo"].map(backupPrefixes(config.environment).postgres) }
            : "in-cluster PVCs (no backupStore in infra)",
        namespaces: NAMESPACES,
        requests,
        fit: {
            requested: fit.requested,
            allocatable: fit.allocatable,
            cpuHeadroomPercent: pct(fit.cpuHeadroom),
            memoryHeadroomPercent: pct(fit.memoryHeadroom),
        },
    };
}
