/**
 * The environment's topology as an SVG picture (`out/report/<env>.svg`): entry points on top,
 * the layers' components, then the node pools with their nodes, the VIP and the volumes.
 * A fixed grid layout of our own — no randomness, no measuring of text — so identical input
 * gives a byte-identical file and a change in the picture is a change in the platform.
 */
import type { EnvironmentReport, ReportNode, ReportPool } from "./model";

const WIDTH = 1000;
const MARGIN = 20;
const NODE_W = 150;
const NODE_H = 46;
const GAP = 10;
/** Nodes drawn per pool; the rest are summed up in one box, so 200 agents stay readable. */
const MAX_NODES_DRAWN = 10;
const PER_ROW = Math.floor((WIDTH - 2 * MARGIN - 2 * GAP + GAP) / (NODE_W + GAP));

const COLORS = { server: "#dbe8f7", agent: "#e3f2e1", tainted: "#f4e3d7", box: "#f7f7f7", line: "#555", volume: "#fff4c2" };

function esc(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Cuts a label to what fits `width` pixels at the 11px font (about 6 px a character). */
function fit(label: string, width: number): string {
    const max = Math.floor(width / 6);
    return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

function rect(x: number, y: number, w: number, h: number, fill: string, rx = 4): string {
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${rx}" fill="${fill}" stroke="${COLORS.line}"/>`;
}

function text(x: number, y: number, value: string, opts: { size?: number; bold?: boolean; anchor?: "start" | "middle" } = {}): string {
    const weight = opts.bold ? ' font-weight="bold"' : "";
    return `<text x="${x}" y="${y}" font-size="${opts.size ?? 11}"${weight} text-anchor="${opts.anchor ?? "start"}">${esc(value)}</text>`;
}

/** A wrapped list of labels inside a band; returns the SVG and the band's height. */
function band(y: number, title: string, items: readonly string[], perRow = 5): { svg: string[]; height: number } {
    const rows = Math.max(1, Math.ceil(items.length / perRow));
    const height = 28 + rows * 26;
    const w = (WIDTH - 2 * MARGIN - 20 - (perRow - 1) * GAP) / perRow;
    const svg = [rect(MARGIN, y, WIDTH - 2 * MARGIN, height, COLORS.box), text(MARGIN + 10, y + 18, title, { bold: true })];
    items.forEach((item, i) => {
        const x = MARGIN + 10 + (i % perRow) * (w + GAP);
        const yy = y + 26 + Math.floor(i / perRow) * 26;
        svg.push(rect(x, yy, w, 20, "#fff", 3), text(x + w / 2, yy + 14, fit(item, w - 6), { anchor: "middle" }));
    });
    return { svg, height };
}

function nodeBox(x: number, y: number, node: ReportNode, tainted: boolean): string[] {
    const fill = node.role === "server" ? (tainted ? COLORS.tainted : COLORS.server) : COLORS.agent;
    return [
        rect(x, y, NODE_W, NODE_H, fill),
        text(x + 6, y + 15, fit(node.name, NODE_W - 12), { bold: true }),
        text(x + 6, y + 29, node.flavor),
        text(x + 6, y + 41, `${node.address}${node.zone ? ` · ${node.zone}` : ""}`, { size: 10 }),
    ];
}

function poolBlock(y: number, pool: ReportPool, nodes: readonly ReportNode[], vip?: string): { svg: string[]; height: number } {
    const drawn = nodes.slice(0, MAX_NODES_DRAWN);
    const rest = nodes.length - drawn.length;
    const cells = drawn.length + (rest > 0 ? 1 : 0);
    const rows = Math.max(1, Math.ceil(cells / PER_ROW));
    const height = 30 + rows * (NODE_H + GAP);
    const taint = pool.tainted ? ", control-plane taint" : "";
    const onVip = vip ? ` — VIP ${vip} (keepalived) on the ready servers` : "";
    const label = `${pool.pool}: ${pool.count} × ${pool.flavor} (${pool.role}${taint})${onVip}`;
    const svg = [rect(MARGIN, y, WIDTH - 2 * MARGIN, height, COLORS.box), text(MARGIN + 10, y + 18, label, { bold: true })];
    const at = (i: number) => ({ x: MARGIN + 10 + (i % PER_ROW) * (NODE_W + GAP), y: y + 26 + Math.floor(i / PER_ROW) * (NODE_H + GAP) });
    drawn.forEach((node, i) => svg.push(...nodeBox(at(i).x, at(i).y, node, pool.tainted)));
    if (rest > 0) {
        const p = at(drawn.length);
        svg.push(
            rect(p.x, p.y, NODE_W, NODE_H, "#fff"),
            text(p.x + NODE_W / 2, p.y + 27, `+ ${rest} more`, { anchor: "middle", bold: true }),
        );
    }
    return { svg, height };
}

export function renderReportSvg(report: EnvironmentReport): string {
    const out: string[] = [];
    let y = MARGIN;
    out.push(
        text(MARGIN, y + 14, `${report.environment}: k3s ${report.k3sVersion}, ${report.nodes.length} nodes`, { size: 16, bold: true }),
    );
    y += 30;
    const entry = band(y, "entry points", [`API ${report.apiEndpoint}`, `ingress ${report.ingressAddress}`, ...report.ingressHosts], 4);
    out.push(...entry.svg);
    y += entry.height + GAP;
    for (const [layer, names] of [
        ["apps layer", report.components.apps],
        ["cluster layer", report.components.cluster],
    ] as const) {
        const b = band(y, layer, names);
        out.push(...b.svg);
        y += b.height + GAP;
    }
    for (const pool of report.pools) {
        const nodes = report.nodes.filter((n) => n.pool === pool.pool && n.role === pool.role);
        const block = poolBlock(y, pool, nodes, pool.role === "server" ? report.vip : undefined);
        out.push(...block.svg);
        y += block.height + GAP;
    }
    const volumes = report.volumes.map((v) => `${v.owner}: ${v.copies > 1 ? `${v.copies} × ` : ""}${v.sizeGiB} GiB`);
    const vb = band(y, "volumes", volumes, 3);
    out.push(...vb.svg);
    y += vb.height + MARGIN;
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
        `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
        ...out,
        "</svg>",
        "",
    ].join("\n");
}
