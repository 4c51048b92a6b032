/**
 * PrometheusRule objects for the prometheus-operator: alerts carry a severity, a `for:` and runbook
 * text; recording rules precompute what dashboards read. Pure data, no Pulumi.
 */

export type Severity = "critical" | "warning" | "info";

export interface Alert {
    readonly alert: string;
    readonly expr: string;
    /** How long the condition must hold before the alert fires (Prometheus duration). */
    readonly for: string;
    readonly severity: Severity;
    readonly summary: string;
    /** What the alert means; may use Prometheus templating (`{{ $labels.x }}`, `{{ $value }}`). */
    readonly description: string;
    /** First steps for the on-call engineer; the full runbook is in docs/monitoring.md. */
    readonly runbook: string;
}

export interface Recording {
    readonly record: string;
    readonly expr: string;
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly (Alert | Recording)[];
}

export const MONITORING_API = "monitoring.coreos.com/v1";
/** Where each alert's runbook section lives (heading = alert name). */
export const RUNBOOK_DOC = "docs/monitoring.md";

export function isAlert(rule: Alert | Recording): rule is Alert {
    return "alert" in rule;
}

/** The rule as Prometheus reads it. */
export function ruleSpec(rule: Alert | Recording): Record<string, unknown> {
    if (!isAlert(rule)) return { record: rule.record, expr: rule.expr };
    return {
        alert: rule.alert,
        expr: rule.expr,
        for: rule.for,
        labels: { severity: rule.severity },
        annotations: {
            summary: rule.summary,
            description: rule.description,
            runbook: `${rule.runbook} See ${RUNBOOK_DOC}#${rule.alert.toLowerCase()}.`,
        },
    };
}

/** A PrometheusRule manifest; the cluster's Prometheus selects rules in every namespace. */
export function prometheusRule(
    name: string,
    namespace: string,
    groups: readonly RuleGroup[],
    labels: Record<string, string> = {},
): Record<string, unknown> {
    return {
        apiVersion: MONITORING_API,
        kind: "PrometheusRule",
        metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi", ...labels } },
        spec: { groups: groups.map((g) => ({ name: g.name, rules: g.rules.map(ruleSpec) })) },
    };
}

/** Every PromQL expression in a set of groups (for the checks in tests). */
export function ruleExpressions(groups: readonly RuleGroup[]): { where: string; expr: string }[] {
    return groups.flatMap((g) => g.rules.map((r) => ({ where: `${g.name}/${isAlert(r) ? r.alert : r.record}`, expr: r.expr })));
}

/** Names recorded by recording rules (valid metric names for dashboards and alerts). */
export function recordedNames(groups: readonly RuleGroup[]): string[] {
    return groups.flatMap((g) => g.rules.filter((r): r is Recording => !isAlert(r)).map((r) => r.record));
}

export const HOURS = 3600;
export const DAYS = 86400;
