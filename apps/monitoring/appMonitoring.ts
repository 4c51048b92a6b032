/**
 * What Prometheus and Grafana need to watch the apps layer: ServiceMonitors for the Todo backend
 * and both stream services, the apps' PrometheusRules and the Todo and stream dashboards.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dashboardConfigMap } from "../../lib/monitoring/dashboard";
import { serviceMonitor } from "../../lib/monitoring/monitors";
import { prometheusRule } from "../../lib/monitoring/rules";
import { streamDashboard, todoDashboard } from "./dashboards";
import { airflowRules, AppNamespaces, JOBS, streamRules, todoRules } from "./rules";
import { componentType } from "../../lib/componentType";

export interface AppMonitoringArgs {
    readonly namespaces: AppNamespaces;
    /** Where Grafana's sidecar looks for dashboards. */
    readonly monitoringNamespace: string;
    /** The workloads (and their namespaces) the monitors and rules belong to. */
    readonly after: pulumi.Resource[];
}

/** The manifests, pure (tests read them without Pulumi). */
export function appMonitoringObjects(ns: AppNamespaces, monitoringNamespace: string): Record<string, Record<string, unknown>> {
    // The producer and processor serve /metrics on the same health port (sensorStream.ts), so one monitor shape serves both.
    const streamMonitor = (job: string, app: string) =>
        serviceMonitor({
            name: job,
            namespace: ns.stream,
            selector: { "app.kubernetes.io/name": app },
            port: "health",
            interval: "15s",
            labels: { "app.kubernetes.io/part-of": "sensor-stream" },
        });
    return {
        "todo-backend-monitor": serviceMonitor({
            name: JOBS.todoBackend,
            namespace: ns.todo,
            selector: { "app.kubernetes.io/name": "todo-backend" },
            port: "http",
            labels: { "app.kubernetes.io/part-of": "todo" },
        }),
        "producer-monitor": streamMonitor(JOBS.producer, "sensor-producer"),
        "processor-monitor": streamMonitor(JOBS.processor, "sensor-processor"),
        "todo-rules": prometheusRule("todo", ns.todo, todoRules(ns.todo), { "app.kubernetes.io/part-of": "todo" }),
        "stream-rules": prometheusRule("sensor-stream", ns.stream, streamRules(ns.stream), {
            "app.kubernetes.io/part-of": "sensor-stream",
        }),
        "airflow-rules": prometheusRule("airflow", ns.airflow, airflowRules(ns.airflow), { "app.kubernetes.io/part-of": "airflow" }),
        "todo-dashboard": dashboardConfigMap("todo-dashboard", monitoringNamespace, todoDashboard(ns.todo), {
            "app.kubernetes.io/part-of": "todo",
        }),
        "stream-dashboard": dashboardConfigMap("sensor-stream-dashboard", monitoringNamespace, streamDashboard(ns.stream), {
            "app.kubernetes.io/part-of": "sensor-stream",
        }),
    };
}

export class AppMonitoring extends pulumi.ComponentResource {
    constructor(name: string, args: AppMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("apps", "AppMonitoring"), name, {}, opts);
        for (const [key, obj] of Object.entries(appMonitoringObjects(args.namespaces, args.monitoringNamespace))) {
            const o = { parent: this, dependsOn: args.after };
            if (obj.kind === "ConfigMap") new k8s.core.v1.ConfigMap(`${name}-${key}`, obj as k8s.core.v1.ConfigMapArgs, o);
            else new k8s.apiextensions.CustomResource(`${name}-${key}`, obj as k8s.apiextensions.CustomResourceArgs, o);
        }
        this.registerOutputs({});
    }
}
