/**
 * The cluster layer: storage, monitoring, ingress and Kafka on the k3s cluster of the same
 * environment's infra stack. Config and infra outputs are validated, and the layer's requests
 * checked against the nodes' capacity, before any resource is declared.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stackLookup } from "../lib/config/stack";
import { assertFits, onSchedulable, sumRequests } from "../lib/fit";
import { assertDaemonSetsFit, assertPodsFit, daemonSetsPerRole, nodeRooms, podsOf } from "../lib/nodeFit";
import type { ClusterOutputs } from "../lib/contracts";
import { kubernetesClusterIdentifier } from "../lib/naming";
import { infraStackRef, parseClusterConfig } from "./config";
import { readInfra } from "./infraOutputs";
import { IngressNginx } from "./ingressNginx";
import { CertManager } from "./certManager";
import { Kafka } from "./kafka";
import { Monitoring } from "./monitoring";
import { PlatformAlerting } from "./alerting";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { clusterRequestItems, NodeCounts } from "./sizing";
import { Storage } from "./storage";
import { NetworkPolicySet } from "../lib/kube/networkPolicySet";
import { adminAllowlist } from "../lib/kube/ingressAllowlist";
import { clusterNamespaces } from "./namespaces";
import { alertReceiverPorts, clusterNetworkPolicies } from "./networkPolicies";
import { grafanaAccess } from "./values/monitoring";

type Outputs = { [K in keyof ClusterOutputs]: pulumi.Input<ClusterOutputs[K]> } & Record<string, unknown>;

export async function clusterLayer(): Promise<Outputs> {
    // The SDK knows which keys were set with --secret; its typings do not export the check.
    const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(fullKey: string): boolean }).isConfigSecret;
    const cfg = parseClusterConfig(stackLookup(), pulumi.getProject(), `stack ${pulumi.getStack()}`, pulumi.getProject(), (key) =>
        isConfigSecret(`${pulumi.getProject()}:${key}`),
    );
    const name = cfg.environment;

    // Unset infraOrganization = this program's own organization ("organization" on a DIY backend).
    const infraStack = infraStackRef(cfg, pulumi.getOrganization());
    const infraRef = new pulumi.StackReference(`${name}-infra`, { name: infraStack });
    const infra = await readInfra(infraRef, infraStack);
    const grafanaAllowedCidrs = adminAllowlist(
        "grafanaAllowedCidrs",
        cfg.monitoring.grafanaAllowedCidrs,
        await infraRef.getOutputValue("adminCidrs"),
        infraStack,
    );

    const counts: NodeCounts = {
        servers: infra.nodePools.filter((p) => p.role === "server").reduce((n, p) => n + p.count, 0),
        agents: infra.nodePools.filter((p) => p.role === "agent").reduce((n, p) => n + p.count, 0),
    };
    const items = clusterRequestItems(cfg, counts);
    // What lands on the nodes that take ordinary pods (tainted servers keep only their own).
    const requests = sumRequests(onSchedulable(items, infra.nodePools));
    const fit = assertFits(`The cluster layer of ${cfg.environment}`, requests, infra.nodePools, cfg.minHeadroom);
    const daemonSets = daemonSetsPerRole(items);
    assertDaemonSetsFit(`The cluster layer of ${cfg.environment}`, items, infra.nodePools);
    assertPodsFit(`The cluster layer of ${cfg.environment}`, podsOf(items), nodeRooms(infra.nodePools, daemonSets));

    // The only way to the cluster: nothing falls back to an ambient ~/.kube/config.
    const provider = new k8s.Provider(`${name}-k3s`, {
        kubeconfig: infra.kubeconfig,
        clusterIdentifier: kubernetesClusterIdentifier(cfg.environment),
        enableServerSideApply: true,
        deleteUnreachable: false,
    });
    const opts = { providers: { kubernetes: provider } };

    const storage = new Storage(
        `${name}-storage`,
        { config: cfg, cloudCredentials: infra.cloudCredentials, nfs: infra.nfs, localPathAvailable: infra.localPathStorage },
        opts,
    );
    const monitoring = new Monitoring(
        `${name}-monitoring`,
        {
            config: cfg,
            storageClass: storage.rwoClass,
            ingressAddress: infra.ingressAddress,
            serverAddresses: infra.nodes.filter((n) => n.role === "server").map((n) => n.address),
            nodeAddresses: infra.nodes.map((n) => n.address),
            grafanaAllowedCidrs,
            after: storage.ready,
        },
        opts,
    );
    const ingress = new IngressNginx(
        `${name}-ingress`,
        { config: cfg, ingressAddress: infra.ingressAddress, after: [monitoring.release] },
        opts,
    );
    const certManager = new CertManager(
        `${name}-cert-manager`,
        { config: cfg, ingressClass: ingress.ingressClass, ingressAddress: infra.ingressAddress, after: [monitoring.release] },
        opts,
    );
    const kafka = new Kafka(
        `${name}-kafka`,
        {
            config: cfg,
            storageClass: storage.rwoClass,
            storageReady: storage.ready,
            monitoringRelease: monitoring.release,
            monitoringNamespace: monitoring.namespace,
        },
        opts,
    );

    const serverAddresses = infra.nodes.filter((n) => n.role === "server").map((n) => n.address);
    const alerting = new PlatformAlerting(
        `${name}-alerting`,
        {
            alerting: cfg.alerting,
            namespace: monitoring.namespace,
            kafkaNamespace: cfg.kafka.namespace,
            etcd: serverAddresses.length > 0,
            kubeconfig: infra.kubeconfig,
            release: monitoring.release,
        },
        opts,
    );

    // Default-deny with the flows each needs in every namespace of this layer (docs/security.md).
    new NetworkPolicySet(
        `${name}-network-policies`,
        {
            layer: "cluster",
            policies: clusterNetworkPolicies({
                namespaces: clusterNamespaces(cfg),
                apiServers: serverAddresses,
                nodeAddresses: infra.nodes.map((n) => n.address),
                kafkaClientNamespaces: cfg.kafka.clientNamespaces,
                kafkaCluster: cfg.kafka.clusterName,
                alertReceiverPorts: alertReceiverPorts(cfg.alerting),
                grafanaNodePort: cfg.monitoring.grafanaNodePort !== undefined,
            }),
            after: [storage, monitoring, ingress, certManager, kafka],
        },
        opts,
    );

    const grafana = grafanaAccess(cfg.monitoring, infra.ingressAddress);
    return {
        environment: cfg.environment,
        ingressClass: ingress.ingressClass,
        storageClasses: { rwo: storage.rwoClass, rwx: storage.rwxClass },
        kafkaBootstrap: kafka.bootstrap,
        kafkaTopics: { ...kafka.topics },
        kafkaPartitions: cfg.kafka.partitions,
        monitoringNamespace: monitoring.namespace,
        grafanaUrl: grafana.url,
        ...(grafana.nodePortUrl !== undefined ? { grafanaNodePortUrl: grafana.nodePortUrl } : {}),
        // ClusterIssuers for the apps' ingresses (cert-manager.io/cluster-issuer).
        tlsIssuers: {
            ca: certManager.caIssuer,
            public: certManager.publicIssuer,
            caDomains: cfg.tls.caDomains,
            internal: certManager.internalIssuer,
        },
        requests,
        daemonSets,
        fit: {
            allocatable: fit.allocatable,
            cpuHeadroomPercent: Math.round(fit.cpuHeadroom * 100),
            memoryHeadroomPercent: Math.round(fit.memoryHeadroom * 100),
        },
        chartVersions: Object.fromEntries(Object.entries(cfg.charts).map(([chart, pin]) => [chart, pin.version])),
        infraStack,
        alertReceivers: alerting.receivers,
    };
}
