/**
 * One builder for the Grafana dashboards this project ships as ConfigMaps (the chart's sidecar
 * loads every ConfigMap labelled `grafana_dashboard: "1"`). Pure data.
 */

export interface Panel {
    readonly title: string;
    /** One query, or several shown together (legend per query). */
    readonly targets: readonly { readonly expr: string; readonly legend?: string }[];
    readonly unit?: string;
    /** What the panel shows, as Grafana's panel description (the (i) tooltip). */
    readonly description?: string;
}

export interface Dashboard {
    readonly uid: string;
    readonly title: string;
    readonly tags: readonly string[];
    readonly panels: readonly Panel[];
    readonly timeFrom?: string;
}

/** Label the chart's Grafana sidecar watches (cluster/values/monitoring.ts DASHBOARD_LABEL). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/** Grafana's JSON model: two panels per row, the default Prometheus data source. */
export function grafanaDashboard(d: Dashboard): Record<string, unknown> {
    return {
        uid: d.uid,
        title: d.title,
        tags: [...d.tags],
        timezone: "utc",
        schemaVersion: 39,
        refresh: "30s",
        time: { from: d.timeFrom ?? "now-1h", to: "now" },
        templating: { list: [] },
        panels: d.panels.map((p, i) => ({
            id: i + 1,
            type: "timeseries",
            title: p.title,
            ...(p.description ? { description: p.description } : {}),
            datasource: { type: "prometheus", uid: "prometheus" },
            gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
            fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
            targets: p.targets.map((t, j) => ({
                refId: String.fromCharCode(65 + j),
                expr: t.expr,
                ...(t.legend ? { legendFormat: t.legend } : {}),
            })),
        })),
    };
}

/** Every PromQL expression of a dashboard (for the checks in tests). */
export function dashboardExpressions(d: Dashboard): { where: string; expr: string }[] {
    return d.panels.flatMap((p) => p.targets.map((t) => ({ where: `${d.uid}/${p.title}`, expr: t.expr })));
}

/** ConfigMap manifest the Grafana sidecar picks up. */
export function dashboardConfigMap(
    name: string,
    namespace: string,
    d: Dashboard,
    labels: Record<string, string> = {},
): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace, labels: { ...GRAFANA_DASHBOARD_LABEL, ...labels } },
        data: { [`${d.uid}.json`]: JSON.stringify(grafanaDashboard(d), null, 2) },
    };
}
