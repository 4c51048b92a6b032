/**
 * `npm run status -- <env>`: the cluster's nodes, pools and versions as the Kubernetes API sees
 * them, next to what the current configuration makes of them. A node's name carries the hash of
 * its immutable spec (infra/nodes.ts), so a live node whose slot the synth names differently is
 * one the next `up` replaces; a slot with no live node is one it creates; a live node of this
 * environment whose slot the configuration no longer has is one it removes. Read-only: the API
 * is only read (GET), nothing is previewed or applied.
 *
 * Pure functions (planned nodes from a synth, live nodes from a node list, the comparison, the
 * report) apart from the one API read.
 */
import type { SynthResult } from "./synth/synth";
import { KubeTarget, request, targetFromKubeconfig } from "../infra/lifecycle/kubeApi";
import { parseStackOutputs, PulumiCliOptions, runPulumi } from "./deploy/pulumiCli";
import { synthStack } from "./synth/stacks";
import { rollOrder } from "./diff/rollOrder";
import { textTable } from "../lib/textTable";

const INSTANCE = "openstack:compute/instance:Instance";

/** A node the configuration declares (one VM of the infra synth). */
export interface PlannedNode {
    readonly slot: string;
    readonly name: string;
    readonly role: "server" | "agent";
    readonly pool: string;
    readonly flavor: string;
    readonly image: string;
    readonly zone?: string;
    readonly k3sVersion: string;
    readonly instanceUrn: string;
    /** The VM's (and its node component's) resource name. */
    readonly resource: string;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The k3s nodes of an infra synth (VMs whose metadata names a slot; the CI runner names none), servers first. */
export function plannedNodes(result: SynthResult): PlannedNode[] {
    const nodes: PlannedNode[] = result.resources
        .filter((r) => r.type === INSTANCE)
        .flatMap((r) => {
            const meta = (r.inputs.metadata ?? {}) as Record<string, unknown>;
            const role = meta.role;
            if ((role !== "server" && role !== "agent") || !str(meta.slot)) return [];
            const zone = str(r.inputs.availabilityZone);
            return [
                {
                    slot: str(meta.slot),
                    name: str(r.inputs.name),
                    role,
                    pool: role === "server" ? "server" : str(meta.pool) || "default",
                    flavor: str(r.inputs.flavorName),
                    image: str(r.inputs.imageName),
                    ...(zone ? { zone } : {}),
                    k3sVersion: str(meta["k3s-version"]),
                    instanceUrn: r.urn,
                    resource: r.name,
                },
            ];
        });
    const pools = [...new Set(nodes.map((n) => n.pool))];
    const rank = (n: PlannedNode) => (n.role === "server" ? -1 : pools.indexOf(n.pool));
    return nodes.sort((a, b) => rank(a) - rank(b) || a.slot.localeCompare(b.slot, undefined, { numeric: true }));
}

/** A Node as the API reports it. */
export interface LiveNode {
    readonly name: string;
    readonly ready: boolean;
    readonly unschedulable: boolean;
    readonly kubeletVersion: string;
    readonly zone?: string;
}

interface NodeList {
    items?: {
        metadata?: { name?: string; labels?: Record<string, string> };
        spec?: { unschedulable?: boolean };
        status?: { conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string } };
    }[];
}

export function liveNodesOf(list: NodeList): LiveNode[] {
    return (list.items ?? []).map((n) => {
        const zone = n.metadata?.labels?.["topology.kubernetes.io/zone"];
        return {
            name: n.metadata?.name ?? "",
            ready: n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
            unschedulable: n.spec?.unschedulable ?? false,
            kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? "",
            ...(zone ? { zone } : {}),
        };
    });
}

/** The node list, read (GET) through infra's admin kubeconfig. */
export async function readLiveNodes(target: KubeTarget): Promise<LiveNode[]> {
    const res = await request(target, "GET", "/api/v1/nodes");
    if (res.status !== 200) throw new Error(`GET /api/v1/nodes: HTTP ${res.status}`);
    return liveNodesOf(JSON.parse(res.body) as NodeList);
}

export type NodeAction = "keep" | "replace" | "create" | "remove" | "foreign";

export interface NodeStatus {
    readonly action: NodeAction;
    readonly slot?: string;
    readonly pool: string;
    readonly live?: LiveNode;
    readonly planned?: PlannedNode;
}

/** The slot a live node of `env` stands for: `<env>-<slot>-<hash>`. */
export function slotOfName(env: string, name: string): string | undefined {
    const m = new RegExp(`^${env.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(.+)-[0-9a-f]{4,}$`).exec(name);
    return m?.[1];
}

/** Pure: each live node and each planned slot, with what the next `up` does to it. */
export function compareNodes(env: string, planned: readonly PlannedNode[], live: readonly LiveNode[]): NodeStatus[] {
    const bySlot = new Map(planned.map((p) => [p.slot, p]));
    const seen = new Set<string>();
    const out: NodeStatus[] = [];
    for (const node of live) {
        const slot = slotOfName(env, node.name);
        const plan = slot === undefined ? undefined : bySlot.get(slot);
        if (slot === undefined) {
            out.push({ action: "foreign", pool: "?", live: node });
        } else if (!plan) {
            out.push({ action: "remove", slot, pool: "?", live: node });
        } else {
            seen.add(slot);
            out.push({ action: plan.name === node.name ? "keep" : "replace", slot, pool: plan.pool, live: node, planned: plan });
        }
    }
    for (const plan of planned) if (!seen.has(plan.slot)) out.push({ action: "create", slot: plan.slot, pool: plan.pool, planned: plan });
    const order = (s: NodeStatus) => (s.planned ? planned.indexOf(s.planned) : planned.length);
    return out.sort((a, b) => order(a) - order(b) || (a.live?.name ?? "").localeCompare(b.live?.name ?? ""));
}

const ACTION_TEXT: Record<NodeAction, string> = {
    keep: "kept",
    replace: "REPLACED",
    create: "created",
    remove: "REMOVED (slot no longer configured)",
    foreign: "not this environment's (left alone)",
};

/** The report: nodes, pools, versions, and the replacements in the order `up` rolls them. */
export function renderStatus(env: string, head: SynthResult, live: readonly LiveNode[] | string): string {
    const planned = plannedNodes(head);
    const lines = [`Environment ${env}`];
    if (typeof live === "string") {
        lines.push(`Live nodes: unknown (${live})`, "", "Configured nodes:");
        lines.push(
            textTable(
                ["SLOT", "POOL", "NODE", "FLAVOR", "ZONE"],
                planned.map((p) => [p.slot, p.pool, p.name, p.flavor, p.zone ?? "-"]),
            ),
        );
        return lines.join("\n");
    }
    const rows = compareNodes(env, planned, live);
    lines.push("", "Nodes:");
    lines.push(
        textTable(
            ["SLOT", "POOL", "NODE", "READY", "KUBELET", "ZONE", "NEXT UP"],
            rows.map((s) => [
                s.slot ?? "-",
                s.pool,
                s.live?.name ?? "(none)",
                s.live ? (s.live.ready ? "yes" : "NO") + (s.live.unschedulable ? ",cordoned" : "") : "-",
                s.live?.kubeletVersion || "-",
                s.live?.zone ?? s.planned?.zone ?? "-",
                s.action === "replace" ? `REPLACED by ${s.planned!.name}` : ACTION_TEXT[s.action],
            ]),
        ),
    );
    const pools = [...new Set([...planned.map((p) => p.pool), ...rows.map((r) => r.pool)])].filter((p) => p !== "?");
    lines.push("", "Pools:");
    lines.push(
        textTable(
            ["POOL", "CONFIGURED", "LIVE", "READY", "FLAVOR"],
            pools.map((pool) => {
                const mine = rows.filter((r) => r.pool === pool && r.live);
                const flavors = [...new Set(planned.filter((p) => p.pool === pool).map((p) => p.flavor))];
                return [
                    pool,
                    String(planned.filter((p) => p.pool === pool).length),
                    String(mine.length),
                    String(mine.filter((r) => r.live!.ready).length),
                    flavors.join(",") || "-",
                ];
            }),
        ),
    );
    const configured = [...new Set(planned.map((p) => p.k3sVersion))].join(", ");
    const running = [...new Set(live.map((n) => n.kubeletVersion).filter(Boolean))].sort().join(", ");
    lines.push("", `Versions: configured k3s ${configured || "-"}; running ${running || "-"}`);
    const replaced = rows.filter((r) => r.action === "replace" || r.action === "create");
    const removed = rows.filter((r) => r.action === "remove");
    if (replaced.length === 0 && removed.length === 0) {
        lines.push("The current configuration replaces no node.");
        return lines.join("\n");
    }
    const urns = new Set(rows.filter((r) => r.action === "replace").map((r) => r.planned!.instanceUrn));
    const batches = rollOrder(head, urns);
    lines.push(
        `The current configuration replaces ${rows.filter((r) => r.action === "replace").length}, creates ` +
            `${rows.filter((r) => r.action === "create").length} and removes ${removed.length} node(s).`,
    );
    const slotOf = new Map(planned.map((p) => [p.resource, p.slot]));
    if (batches.length > 0) lines.push("Replacements in the order up rolls them (each batch drained, replaced and Ready before the next):");
    batches.forEach((b, i) => lines.push(`  batch ${i + 1}: ${b.map((n) => slotOf.get(n.name) ?? n.name).join(", ")}`));
    return lines.join("\n");
}

export interface StatusRequest {
    readonly env: string;
    readonly infraStack: string;
    readonly stacksDir: string;
    /** How `pulumi stack output` is run (the kubeconfig output); nothing else is asked of Pulumi. */
    readonly cli: PulumiCliOptions;
    readonly log: (line: string) => void;
    readonly error: (line: string) => void;
}

/** The command: synth the infra stack, read the live nodes, print the report. 0, or 1 when the config does not synthesize. */
export async function runStatus(r: StatusRequest): Promise<number> {
    let head: SynthResult;
    try {
        head = await synthStack(r.infraStack, { stacksDir: r.stacksDir });
    } catch (err) {
        r.error(`${r.infraStack} does not synthesize, so what the configuration would replace is unknown:\n${(err as Error).message}`);
        return 1;
    }
    const got = await runPulumi(r.cli, ["stack", "output", "--stack", r.infraStack, "--json", "--show-secrets"]);
    const kubeconfig = got.code === 0 ? parseStackOutputs(got.stdout).kubeconfig : undefined;
    let live: LiveNode[] | string;
    if (got.code !== 0) live = `pulumi stack output --stack ${r.infraStack} failed: ${got.stderr.trim().split("\n").pop() ?? ""}`;
    else if (typeof kubeconfig !== "string" || kubeconfig === "") live = `${r.infraStack} has no kubeconfig output: not deployed yet`;
    else {
        const target = targetFromKubeconfig(kubeconfig);
        try {
            live = await readLiveNodes(target);
        } catch (err) {
            live = `the API at ${target.server} did not answer (${(err as Error).message}); it answers only adminCidrs`;
        }
    }
    r.log(renderStatus(r.env, head, live));
    return 0;
}
