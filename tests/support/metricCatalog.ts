/**
 * Metric names the platform's exporters are documented to produce, from the test data in
 * tests/fixtures/metric-lists (origins in its README) and, for Kafka, from the JMX exporter rules
 * the cluster layer ships. The apps' own names are not here: tests read them from the services.
 */
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { jmxExporterConfig } from "../../cluster/values/kafka";
import { seriesOf } from "./promql";

const DIR = path.join(__dirname, "..", "fixtures", "metric-lists");
const read = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");

/** Names the JMX exporter emits under our rules: `$n` expanded over the pattern's n-th group when it lists literals. */
export function kafkaJmxNames(): string[] {
    const config = parse(jmxExporterConfig()) as { lowercaseOutputName: boolean; rules: { pattern: string; name: string; type: string }[] };
    const names: string[] = [];
    for (const rule of config.rules) {
        const groups = [...rule.pattern.matchAll(/\(([^()]*)\)/g)].map((m) => m[1]);
        let variants = [rule.name];
        for (const [i, group] of groups.entries()) {
            const ref = `$${i + 1}`;
            if (!variants.some((v) => v.includes(ref))) continue;
            if (!/^[A-Za-z0-9|]+$/.test(group)) throw new Error(`cannot expand ${ref} of ${rule.pattern}`);
            variants = variants.flatMap((v) => group.split("|").map((alt) => v.split(ref).join(alt)));
        }
        names.push(...variants.map((v) => (config.lowercaseOutputName ? v.toLowerCase() : v)));
    }
    return names;
}

/** kube-state-metrics' documented tables (first column). */
export function kubeStateMetricsNames(): string[] {
    return ["kube-state-metrics-job-metrics.md", "kube-state-metrics-cronjob-metrics.md"].flatMap((f) =>
        read(f)
            .split("\n")
            .map((l) => /^\|\s*(kube_[a-z_]+)\s*\|/.exec(l)?.[1])
            .filter((n): n is string => n !== undefined),
    );
}

export function certManagerNames(): string[] {
    return read("cert-manager-v1.21.1-types.txt")
        .split("\n")
        .flatMap((l) => {
            const m = /^# TYPE (\S+) (\S+)/.exec(l);
            return m ? seriesOf(m[1], m[2]) : [];
        });
}

export function k3sNames(): string[] {
    const text = read("k3s-metrics.md");
    return [...text.matchAll(/^### (k3s_[a-z0-9_]+)\n[\s\S]*?- Type: (\w+)/gm)].flatMap((m) =>
        seriesOf(m[1], /^Histr?ogram$/.test(m[2]) ? "histogram" : m[2]),
    );
}

export function prometheusBuiltinNames(): string[] {
    return read("prometheus-builtin.txt")
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"));
}

interface Mapping {
    readonly match: string;
    readonly match_type?: string;
    readonly name: string;
}

/**
 * What the chart's statsd exporter calls an Airflow statsd metric: the first matching mapping's
 * name, else the statsd name with every other character as `_`. `{placeholder}` stands for one
 * variable path segment; unmapped names with one keep the data in the name, so they yield nothing
 * a rule could select by.
 */
export function statsdToPrometheus(documented: string, mappings: readonly Mapping[]): string | undefined {
    const statsdName = documented.replace(/\{[a-z_]+\}/g, "X");
    for (const m of mappings) {
        const re =
            m.match_type === "regex"
                ? new RegExp(`^${m.match}$`)
                : new RegExp(
                      `^${m.match
                          .split(".")
                          .map((p) => (p === "*" ? "[^.]+" : p.replace(/[-]/g, "\\-")))
                          .join("\\.")}$`,
                  );
        if (re.test(statsdName)) return m.name;
    }
    if (documented.includes("{")) return undefined;
    return statsdName.replace(/[^a-zA-Z0-9_]/g, "_");
}

export function airflowNames(): string[] {
    const mappings = (parse(read("airflow-statsd-mappings.yml")) as { mappings: Mapping[] }).mappings;
    const names: string[] = [];
    for (const line of read("airflow-statsd-names.txt").split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        const [kind, ...variants] = line.split(/\s+/);
        for (const v of variants) {
            const name = statsdToPrometheus(`airflow.${v}`, mappings);
            // statsd timers become summaries in the exporter (quantile label, _sum, _count).
            if (name) names.push(...seriesOf(name, kind === "timer" ? "summary" : kind));
        }
    }
    return names;
}

/** Everything documented, by source (for messages). */
export function documentedNames(): Map<string, string> {
    const bySource: [string, string[]][] = [
        ["Kafka JMX exporter rules (cluster/values/kafka.ts)", kafkaJmxNames()],
        ["kube-state-metrics 2.20.0 docs", kubeStateMetricsNames()],
        ["cert-manager v1.21.1", certManagerNames()],
        ["k3s docs (supervisor metrics)", k3sNames()],
        ["Prometheus built-in series", prometheusBuiltinNames()],
        ["Airflow statsd via the chart's mappings", airflowNames()],
    ];
    const out = new Map<string, string>();
    for (const [source, names] of bySource) for (const n of names) out.set(n, source);
    return out;
}
