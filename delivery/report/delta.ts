/**
 * The PR comment's capacity / cost section: an environment's report before and after the change,
 * side by side, and its topology as a Mermaid diagram (GitHub draws those inside comments, so the
 * picture travels with the comment; `npm run report` writes the SVG).
 */
import type { EnvironmentReport } from "./model";
import { cinderGiB, cpu, mem, money } from "./markdown";

type Row = [label: string, before: string, after: string];

function pools(r: EnvironmentReport): string {
    return r.pools.map((p) => `${p.pool} ${p.count}× ${p.flavor}`).join(", ");
}

function rows(before: EnvironmentReport | undefined, after: EnvironmentReport): Row[] {
    const b = before;
    const out: Row[] = [
        ["nodes", b ? pools(b) : "—", pools(after)],
        [
            "allocatable",
            b ? `${cpu(b.allocatable.cpuMilli)} / ${mem(b.allocatable.memoryMiB)}` : "—",
            `${cpu(after.allocatable.cpuMilli)} / ${mem(after.allocatable.memoryMiB)}`,
        ],
        [
            "requests",
            b ? `${cpu(b.requests.total.cpuMilli)} / ${mem(b.requests.total.memoryMiB)}` : "—",
            `${cpu(after.requests.total.cpuMilli)} / ${mem(after.requests.total.memoryMiB)}`,
        ],
        [
            "headroom (CPU / memory)",
            b ? `${b.headroomPercent.cpu} % / ${b.headroomPercent.memory} %` : "—",
            `${after.headroomPercent.cpu} % / ${after.headroomPercent.memory} %`,
        ],
        ["Cinder volumes", b ? `${cinderGiB(b)} GiB` : "—", `${cinderGiB(after)} GiB`],
    ];
    if (after.cost)
        out.push(["monthly cost", b?.cost ? money(b.cost.total, b.cost.currency) : "—", money(after.cost.total, after.cost.currency)]);
    return out;
}

const id = (text: string) => text.replace(/[^A-Za-z0-9]/g, "_");

/** The topology as a Mermaid flowchart: entry points → servers (VIP) and pools; volumes. */
export function renderMermaid(r: EnvironmentReport): string {
    const lines = [
        "flowchart TB",
        `  api["API ${r.apiEndpoint}"]`,
        `  ingress["ingress ${r.ingressAddress}<br/>${r.ingressHosts.join("<br/>")}"]`,
    ];
    for (const p of r.pools) {
        const taint = p.tainted ? "<br/>control-plane taint" : "";
        const vip = p.role === "server" && r.vip ? `<br/>VIP ${r.vip}` : "";
        const label = `${p.pool}: ${p.count} × ${p.flavor}${taint}${vip}`;
        lines.push(`  ${id(`pool_${p.pool}`)}["${label}"]`);
        lines.push(`  ${p.role === "server" ? "api" : "ingress"} --> ${id(`pool_${p.pool}`)}`);
    }
    const gib = cinderGiB(r);
    const server = r.pools.find((p) => p.role === "server");
    lines.push(`  volumes[("Cinder volumes: ${gib} GiB in ${r.volumes.filter((v) => v.backing === "cinder").length} volumes")]`);
    if (server) lines.push(`  ${id(`pool_${server.pool}`)} -.- volumes`);
    return lines.join("\n");
}

/** One environment's section of the PR comment. */
export function renderCapacityDelta(env: string, before: EnvironmentReport | undefined, after: EnvironmentReport): string {
    const table = rows(before, after);
    const changed = table.filter(([, b, a]) => b !== a);
    if (changed.length === 0) {
        const [, , nodes] = table[0];
        return `### Capacity and cost: \`${env}\`: unchanged (${nodes}; headroom ${table[3][2]})`;
    }
    const parts = [
        `### Capacity and cost: \`${env}\``,
        "",
        "| | before | after |",
        "|---|---|---|",
        ...table.map(([label, b, a]) => `| ${label} | ${b} | ${b === a ? a : `**${a}**`} |`),
        "",
        "<details><summary>topology after the change</summary>",
        "",
        "```mermaid",
        renderMermaid(after),
        "```",
        "",
        `</details>`,
    ];
    if (!after.cost) parts.push("", "_No price table in the infra stack (`data-platform:flavorPrices`): no cost estimate._");
    return parts.join("\n");
}
