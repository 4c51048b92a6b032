/** Values for kube-prometheus-stack, tuned for k3s. Pure. */
import type { ClusterConfig } from "../config";
import { LIMIT_RULES, resources, SIZES, withLimit } from "../sizing";
import { CLUSTER_ISSUER_ANNOTATION, issuerFor } from "./certManager";
import { alertmanagerRoutingValues } from "./alerting";
import { GRAFANA_DASHBOARD_LABEL } from "../../lib/monitoring/dashboard";
import { allowlistAnnotations } from "../../lib/kube/ingressAllowlist";

/** Keys of the existing Secret that holds Grafana's admin login. */
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;
/** Label the Grafana sidecar watches for dashboards (ConfigMaps of the monitoring namespace); the dashboard builders set it. */
export const DASHBOARD_LABEL = GRAFANA_DASHBOARD_LABEL;
export const SCRAPE_INTERVAL = "15s";

export interface MonitoringValuesArgs {
    readonly monitoring: ClusterConfig["monitoring"];
    readonly storageClass: string;
    readonly grafanaAdminSecret: string;
    /** node-exporter's own namespace (Pod Security `privileged`, cluster/namespaces.ts). */
    readonly nodeExporterNamespace: string;
    /** The ingress address from infra: Grafana's domain when no `grafanaHost` is configured. */
    readonly ingressAddress: string;
    /** Addresses of the k3s servers: controller-manager, scheduler and etcd run inside k3s there. */
    readonly serverAddresses: readonly string[];
    /** Addresses of every node: kube-proxy runs inside k3s on each. */
    readonly nodeAddresses: readonly string[];
    /** An ACME issuer exists (public DNS names get Let's Encrypt certificates). */
    readonly acme?: boolean;
    /** Addresses Grafana's Ingress admits (lib/kube/ingressAllowlist.ts). */
    readonly grafanaAllowedCidrs: readonly string[];
}

function claim(storageClass: string, sizeGi: number): Record<string, unknown> {
    return {
        volumeClaimTemplate: {
            spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${sizeGi}Gi` } } },
        },
    };
}

/**
 * k3s runs controller-manager, scheduler, proxy and etcd inside its own process, not as pods the
 * chart's Services could select. The infra layer binds kube-proxy's and etcd's metrics to the node
 * address (metrics-bind-address=0.0.0.0, etcd-expose-metrics), so those jobs get explicit endpoints
 * instead of a selector; with no addresses the job is switched off rather than left permanently down.
 */
function k3sComponent(addresses: readonly string[]): Record<string, unknown> {
    return addresses.length > 0 ? { enabled: true, endpoints: [...addresses] } : { enabled: false };
}

/**
 * The scrape job whose series stand in for controller-manager and scheduler. A k3s server is one
 * process with one metrics registry, served alike on the apiserver (6443), controller-manager
 * (10257), scheduler (10259) and kube-proxy (10249) ports. The chart's `apiserver` job already
 * scrapes every server (the `kubernetes` Service's endpoints), so controller-manager and scheduler
 * are not scraped again; `jobNameOverride` points their rules and dashboards at that job.
 */
export const K3S_CONTROL_PLANE_JOB = "apiserver";

/**
 * kube-proxy's own series. Its endpoint serves the node's whole k3s registry (the kubelet job has
 * the same series), so the kube-proxy job keeps only these; `up{job="kube-proxy"}` is unaffected.
 */
export const KUBE_PROXY_OWN_METRICS = "kubeproxy_.*";

function sharedRegistryComponent(): Record<string, unknown> {
    return {
        enabled: true,
        jobNameOverride: K3S_CONTROL_PLANE_JOB,
        endpoints: [],
        service: { enabled: false },
        serviceMonitor: { enabled: false },
    };
}

export function grafanaUrlPath(path: string): string {
    return path === "/" ? "/" : `${path.replace(/\/+$/, "")}/`;
}

export interface GrafanaAccess {
    /** Host name Grafana is reached by: the configured host, else the ingress address. */
    readonly domain: string;
    /** Public URL through the ingress (HTTPS; HTTP redirects); also Grafana's `root_url`. */
    readonly url: string;
    /** URL on the NodePort (same sub path: Grafana serves from it on every port), when configured. */
    readonly nodePortUrl?: string;
}

/** Where Grafana is reached, for its own `grafana.ini` and for the stack outputs. */
export function grafanaAccess(
    m: Pick<ClusterConfig["monitoring"], "grafanaHost" | "grafanaPath" | "grafanaNodePort">,
    ingressAddress: string,
): GrafanaAccess {
    const domain = m.grafanaHost ?? ingressAddress;
    const path = grafanaUrlPath(m.grafanaPath);
    return {
        domain,
        url: `https://${domain}${path}`,
        ...(m.grafanaNodePort !== undefined ? { nodePortUrl: `http://${ingressAddress}:${m.grafanaNodePort}${path}` } : {}),
    };
}

export function monitoringValues(args: MonitoringValuesArgs): Record<string, unknown> {
    const m = args.monitoring;
    const subPath = m.grafanaPath !== "/";
    const grafana = grafanaAccess(m, args.ingressAddress);
    return {
        crds: { enabled: true },
        defaultRules: {
            create: true,
            rules: {
                // Without a target these would alert forever.
                etcd: args.serverAddresses.length > 0,
                // Evaluated on the apiserver job (K3S_CONTROL_PLANE_JOB), which always has targets.
                kubeControllerManager: true,
                kubeSchedulerAlerting: true,
                kubeSchedulerRecording: true,
                kubeProxy: args.nodeAddresses.length > 0,
                windows: false,
            },
        },
        windowsMonitoring: { enabled: false },
        // One registry per k3s process: scraping these separately would duplicate every series.
        kubeControllerManager: sharedRegistryComponent(),
        kubeScheduler: sharedRegistryComponent(),
        kubeEtcd: {
            ...k3sComponent(args.serverAddresses),
            service: { enabled: args.serverAddresses.length > 0, port: 2381, targetPort: 2381 },
        },
        kubeProxy: {
            ...k3sComponent(args.nodeAddresses),
            serviceMonitor: { metricRelabelings: [{ sourceLabels: ["__name__"], regex: KUBE_PROXY_OWN_METRICS, action: "keep" }] },
        },
        coreDns: { enabled: true },
        kubeDns: { enabled: false },
        kubelet: { enabled: true },
        prometheusOperator: {
            resources: resources(SIZES.prometheusOperator),
            prometheusConfigReloader: { resources: resources(SIZES.configReloader) },
        },
        prometheus: {
            prometheusSpec: {
                scrapeInterval: SCRAPE_INTERVAL,
                evaluationInterval: SCRAPE_INTERVAL,
                retention: m.retention,
                // Pick up ServiceMonitors/PodMonitors/rules of every release and namespace,
                // not only those labelled for this Helm release.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                resources: resources(withLimit(m.prometheus, LIMIT_RULES.prometheus)),
                storageSpec: claim(args.storageClass, m.prometheusStorageGi),
            },
        },
        alertmanager: {
            enabled: true,
            alertmanagerSpec: {
                replicas: m.alertmanagerReplicas,
                resources: resources(SIZES.alertmanager),
                storage: claim(args.storageClass, m.alertmanagerStorageGi),
                // Routing comes from an AlertmanagerConfig (cluster/alerting.ts), credentials from a Secret.
                ...alertmanagerRoutingValues(),
            },
        },
        "kube-state-metrics": { resources: resources(SIZES.kubeStateMetrics) },
        nodeExporter: { enabled: true },
        "prometheus-node-exporter": {
            namespaceOverride: args.nodeExporterNamespace,
            resources: resources(SIZES.nodeExporter),
            // Every node, servers included, whatever taints they carry.
            tolerations: [{ operator: "Exists" }],
        },
        grafana: {
            enabled: true,
            admin: { existingSecret: args.grafanaAdminSecret, userKey: GRAFANA_ADMIN_KEYS.user, passwordKey: GRAFANA_ADMIN_KEYS.password },
            resources: resources(SIZES.grafana),
            // Every dashboard and data source is a ConfigMap in Grafana's own namespace: a Role
            // there, no ClusterRole that reads every namespace's Secrets.
            rbac: { namespaced: true },
            sidecar: {
                resources: resources(SIZES.grafanaSidecar),
                dashboards: {
                    enabled: true,
                    label: Object.keys(DASHBOARD_LABEL)[0],
                    labelValue: Object.values(DASHBOARD_LABEL)[0],
                    resource: "configmap",
                },
                datasources: { enabled: true, resource: "configmap" },
            },
            "grafana.ini": {
                // Grafana builds redirects and links from root_url. `domain` defaults to localhost and
                // http_port is the container's 3000, so both are spelled out: the URL users open
                // through the ingress on port 80.
                server: {
                    domain: grafana.domain,
                    // TLS ends at the ingress: Grafana itself speaks HTTP, its public URL is https.
                    root_url: `https://%(domain)s${grafanaUrlPath(m.grafanaPath)}`,
                    ...(subPath ? { serve_from_sub_path: true } : {}),
                },
            },
            // Served from a sub path, Grafana's own metrics move under it too.
            ...(subPath ? { serviceMonitor: { path: `${grafanaUrlPath(m.grafanaPath)}metrics` } } : {}),
            ingress: {
                enabled: true,
                ingressClassName: "nginx",
                hosts: m.grafanaHost ? [m.grafanaHost] : [],
                path: m.grafanaPath,
                pathType: "Prefix",
                // With a host: its own certificate from cert-manager (ACME for a public name when
                // configured). Without: the ingress' default platform-CA certificate for its address.
                annotations: {
                    ...allowlistAnnotations(args.grafanaAllowedCidrs),
                    ...(m.grafanaHost ? { [CLUSTER_ISSUER_ANNOTATION]: issuerFor(m.grafanaHost, args.acme ?? false) } : {}),
                },
                ...(m.grafanaHost ? { tls: [{ secretName: "grafana-tls", hosts: [m.grafanaHost] }] } : {}),
            },
            service: m.grafanaNodePort !== undefined ? { type: "NodePort", nodePort: m.grafanaNodePort } : { type: "ClusterIP" },
        },
    };
}
