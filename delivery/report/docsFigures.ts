/**
 * The docs' figures (capacity, headroom, URLs) as generated sections, so a figure in a doc is the
 * synth's figure. A section sits between `<!-- figures:<name> stacks@<hash> -->` and
 * `<!-- /figures:<name> -->`; the hash names the stack files it was generated from, so a check
 * can tell "the code changed the figures" (stale) from "the stack files are a user's own".
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { EnvironmentReport } from "./model";
import { cpu, mem } from "./markdown";

/** Hash of every stack file: what the generated figures were computed from. */
export function stacksHash(stacksDir: string): string {
    const hash = createHash("sha256");
    for (const file of fs
        .readdirSync(stacksDir)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .sort()) {
        hash.update(file)
            .update("\0")
            .update(fs.readFileSync(path.join(stacksDir, file)))
            .update("\0");
    }
    return hash.digest("hex").slice(0, 12);
}

const URL_LABELS: Record<string, string> = {
    airflowUrl: "Airflow UI / REST API",
    todoUrl: "Todo app (`/api/todos…` → backend)",
    grafanaUrl: "Grafana",
    grafanaNodePortUrl: "Grafana over its NodePort (opt-in, plain HTTP)",
};

function table(envs: readonly EnvironmentReport[], rows: [string, (r: EnvironmentReport) => string][]): string {
    return [
        `| | ${envs.map((e) => e.environment).join(" | ")} |`,
        `|---|${envs.map(() => "---").join("|")}|`,
        ...rows.map(([label, cell]) => `| ${label} | ${envs.map(cell).join(" | ")} |`),
    ].join("\n");
}

/** The generated sections by name. */
export function figureSections(envs: readonly EnvironmentReport[]): Record<string, string> {
    const urlKeys = [...new Set(envs.flatMap((e) => Object.keys(e.urls)))].sort();
    const nodes = (r: EnvironmentReport) =>
        r.pools.map((p) => `${p.count}× ${p.flavor} ${p.role}s${p.tainted ? " (control-plane taint: not counted)" : ""}`).join(" + ");
    const pair = (x: { cpuMilli: number; memoryMiB: number }) => `${cpu(x.cpuMilli)} / ${mem(x.memoryMiB)}`;
    return {
        urls: table(
            envs,
            urlKeys.map((k) => [URL_LABELS[k] ?? `\`${k}\``, (r: EnvironmentReport) => r.urls[k] ?? "—"]),
        ),
        capacity: table(envs, [
            ["nodes", nodes],
            ["cluster layer requests", (r) => pair(r.requests.cluster)],
            ["apps layer requests", (r) => pair(r.requests.apps)],
            ["environment requests (per-node DaemonSets on every schedulable node)", (r) => pair(r.requests.total)],
            ["allocatable (pools that take pods, minus the k3s reserve)", (r) => pair(r.allocatable)],
            ["headroom CPU / memory", (r) => `${r.headroomPercent.cpu} % / ${r.headroomPercent.memory} %`],
        ]),
    };
}

const SECTION = /<!-- figures:([a-z]+) stacks@([0-9a-f]+) -->\n([\s\S]*?)<!-- \/figures:\1 -->/g;

export interface DocSection {
    readonly name: string;
    readonly hash: string;
    readonly body: string;
}

export function sectionsIn(text: string): DocSection[] {
    return [...text.matchAll(SECTION)].map((m) => ({ name: m[1], hash: m[2], body: m[3] }));
}

/** The text with every section it holds regenerated (unknown section names are an error). */
export function applySections(text: string, sections: Record<string, string>, hash: string): string {
    return text.replace(SECTION, (_m, name: string) => {
        if (!(name in sections)) throw new Error(`unknown generated section "figures:${name}"; known: ${Object.keys(sections).join(", ")}`);
        return `<!-- figures:${name} stacks@${hash} -->\n${sections[name]}\n<!-- /figures:${name} -->`;
    });
}
