/** ServiceMonitor manifests for the apps' own `/metrics` endpoints. Pure data. */
import { MONITORING_API } from "./rules";

export interface ServiceMonitorArgs {
    readonly name: string;
    readonly namespace: string;
    /** Labels of the Service(s) to scrape. */
    readonly selector: Record<string, string>;
    /** Named Service port. */
    readonly port: string;
    readonly path?: string;
    readonly interval?: string;
    readonly labels?: Record<string, string>;
}

/**
 * One endpoint per pod behind the Service; `job` is the Service name (the operator's default),
 * so rules select `job="<service>"`, and the pod name is kept as `pod`.
 */
export function serviceMonitor(a: ServiceMonitorArgs): Record<string, unknown> {
    return {
        apiVersion: MONITORING_API,
        kind: "ServiceMonitor",
        metadata: { name: a.name, namespace: a.namespace, labels: { "app.kubernetes.io/managed-by": "pulumi", ...(a.labels ?? {}) } },
        spec: {
            selector: { matchLabels: { ...a.selector } },
            namespaceSelector: { matchNames: [a.namespace] },
            endpoints: [{ port: a.port, path: a.path ?? "/metrics", interval: a.interval ?? "30s", scrapeTimeout: "10s" }],
        },
    };
}
