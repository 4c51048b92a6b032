/** PromQL checked with the Prometheus project's own grammar (@prometheus-io/lezer-promql). */
import { parser } from "@prometheus-io/lezer-promql";

export interface ParsedPromql {
    /** Character offsets where the grammar found an error (empty = the expression parses). */
    readonly errors: number[];
    /** Metric names the expression selects (`name{...}` and `{__name__="name"}`). */
    readonly metrics: string[];
    /** Label names each selector of a named metric matches on (`name{label="..."}`). */
    readonly matchers: { readonly metric: string; readonly labels: string[] }[];
}

export function parsePromql(expr: string): ParsedPromql {
    const errors: number[] = [];
    const metrics = new Set<string>();
    const matchers: { metric: string; labels: string[] }[] = [];
    const tree = parser.parse(expr);
    tree.iterate({
        enter(node) {
            if (node.type.isError) errors.push(node.from);
            if (node.name === "VectorSelector") {
                const id = node.node.getChild("Identifier");
                if (id) {
                    const metric = expr.slice(id.from, id.to);
                    metrics.add(metric);
                    const labels = node.node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? [];
                    matchers.push({
                        metric,
                        labels: labels
                            .map((m) => m.getChild("LabelName"))
                            .filter((l) => l !== null)
                            .map((l) => expr.slice(l!.from, l!.to)),
                    });
                }
            }
            if (node.name === "UnquotedLabelMatcher") {
                const label = node.node.getChild("LabelName");
                const value = node.node.getChild("StringLiteral");
                if (label && value && expr.slice(label.from, label.to) === "__name__")
                    metrics.add(JSON.parse(expr.slice(value.from, value.to)));
            }
        },
    });
    return { errors, metrics: [...metrics].sort(), matchers };
}

/** Label names per sample name in Prometheus text exposition. */
export function exposedLabels(text: string): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
        if (!m) continue;
        const set = out.get(m[1]) ?? new Set<string>();
        for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(l[1]);
        out.set(m[1], set);
    }
    return out;
}

/** Metric names in Prometheus text exposition: sample names and the series names each `# TYPE` implies. */
export function exposedNames(text: string): Set<string> {
    const names = new Set<string>();
    for (const line of text.split("\n")) {
        const type = /^# TYPE (\S+) (\S+)/.exec(line);
        if (type) {
            for (const n of seriesOf(type[1], type[2])) names.add(n);
            continue;
        }
        const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
        if (sample) names.add(sample[1]);
    }
    return names;
}

/** The series names a metric of `type` is queried by. */
export function seriesOf(name: string, type: string): string[] {
    switch (type.toLowerCase()) {
        case "histogram":
            return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
        case "summary":
            return [name, `${name}_sum`, `${name}_count`];
        default:
            return [name];
    }
}
