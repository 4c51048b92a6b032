/**
 * The environment report's data, read from the synth of an environment's three layers: what the
 * platform would be if this checkout were deployed. Pure: the same synth gives the same report,
 * so the Markdown, the picture and the docs' generated figures agree by construction.
 */
import type { SynthResource, SynthResult } from "../synth/synth";
import type { NodeInfo, NodePoolCapacity, ResourceRequests } from "../../lib/contracts";
import type { PriceTable } from "../../infra/pricing";
import { SYSTEM_RESERVED } from "../../lib/fit";
import { findVolumes, Volume } from "./volumes";

export interface ReportNode {
    readonly name: string;
    readonly role: "server" | "agent";
    /** The pool the node belongs to: `servers` or the agent pool's name. */
    readonly pool: string;
    readonly zone?: string;
    readonly flavor: string;
    readonly address: string;
}

export interface ReportPool {
    readonly pool: string;
    readonly role: "server" | "agent";
    readonly count: number;
    readonly flavor: string;
    readonly vcpus: number;
    readonly memoryMiB: number;
    /** Carries the control-plane taint: ordinary pods are not placed there. */
    readonly tainted: boolean;
    /** What pods may request on one node: capacity − system reservation − DaemonSets. */
    readonly podRoomPerNode: ResourceRequests;
}

export interface CostLine {
    readonly item: string;
    readonly quantity: string;
    readonly monthly: number;
}

export interface EnvironmentReport {
    readonly environment: string;
    readonly k3sVersion: string;
    readonly apiEndpoint: string;
    /** The keepalived VIP the servers share (HA only). */
    readonly vip?: string;
    readonly ingressAddress: string;
    readonly ingressHosts: string[];
    /** The upper layers' `*Url` outputs (where users open the platform), by output name. */
    readonly urls: Record<string, string>;
    readonly nodes: ReportNode[];
    readonly pools: ReportPool[];
    /** Requests of the cluster and apps layers, and both together. */
    readonly requests: { readonly cluster: ResourceRequests; readonly apps: ResourceRequests; readonly total: ResourceRequests };
    /** Allocatable of the pools that take ordinary pods, and what is left of it. */
    readonly allocatable: ResourceRequests;
    readonly headroomPercent: { readonly cpu: number; readonly memory: number };
    readonly volumes: Volume[];
    /** The components (ComponentResources) each upper layer installs, by their type's last part. */
    readonly components: { readonly cluster: string[]; readonly apps: string[] };
    readonly cost?: { readonly currency: string; readonly lines: CostLine[]; readonly total: number };
}

export interface EnvironmentSynth {
    readonly infra: SynthResult;
    readonly cluster: SynthResult;
    readonly apps: SynthResult;
}

const INSTANCE = "openstack:compute/instance:Instance";

function plain<T>(value: unknown): T {
    // Synth outputs mark secrets as {"@secret": v}; the report only reads non-secret outputs,
    // but unwrapping keeps it working when a lower layer marks a whole object secret.
    if (value && typeof value === "object" && "@secret" in (value as object)) return (value as { "@secret": T })["@secret"];
    return value as T;
}

function requestsOf(result: SynthResult): ResourceRequests {
    return plain<ResourceRequests>(result.outputs.requests) ?? { cpuMilli: 0, memoryMiB: 0 };
}

function nodesOf(infra: SynthResult): ReportNode[] {
    const instances = new Map<string, SynthResource>();
    for (const r of infra.resources) if (r.type === INSTANCE) instances.set(String(r.inputs.name), r);
    return plain<NodeInfo[]>(infra.outputs.nodes).map((node) => {
        const inputs = instances.get(node.name)?.inputs ?? {};
        const metadata = (inputs.metadata ?? {}) as Record<string, string>;
        return {
            name: node.name,
            role: node.role,
            pool: metadata.pool ?? (node.role === "server" ? "servers" : "default"),
            zone: typeof inputs.availabilityZone === "string" ? inputs.availabilityZone : undefined,
            flavor: String(inputs.flavorName ?? "?"),
            address: node.address,
        };
    });
}

function poolsOf(infra: SynthResult, nodes: readonly ReportNode[], daemonSets: Record<"server" | "agent", ResourceRequests>): ReportPool[] {
    const capacity = plain<(NodePoolCapacity & { pool?: string })[]>(infra.outputs.nodePools);
    return capacity.map((p) => {
        const pool =
            p.pool ??
            (p.role === "server" ? "servers" : (nodes.find((n) => n.role === p.role && n.flavor === p.flavor)?.pool ?? "default"));
        return {
            pool,
            role: p.role,
            count: p.count,
            flavor: p.flavor,
            vcpus: p.vcpus,
            memoryMiB: p.memoryMiB,
            tainted: !!p.tainted,
            podRoomPerNode: {
                cpuMilli: p.vcpus * 1000 - SYSTEM_RESERVED[p.role].cpuMilli - daemonSets[p.role].cpuMilli,
                memoryMiB: p.memoryMiB - SYSTEM_RESERVED[p.role].memoryMiB - daemonSets[p.role].memoryMiB,
            },
        };
    });
}

function urlsOf(layers: readonly SynthResult[]): Record<string, string> {
    const urls: [string, string][] = [];
    for (const layer of layers) {
        for (const [key, value] of Object.entries(layer.outputs)) {
            const url = plain<unknown>(value);
            if (key.endsWith("Url") && typeof url === "string") urls.push([key, url]);
        }
    }
    return Object.fromEntries(urls.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Host names the platform answers on: every `*Url` output of the upper layers, and Ingress rules. */
function ingressHostsOf(layers: readonly SynthResult[]): string[] {
    const hosts = new Set<string>();
    for (const layer of layers) {
        for (const [key, value] of Object.entries(layer.outputs)) {
            const url = plain<unknown>(value);
            if (key.endsWith("Url") && typeof url === "string" && /^https?:\/\//.test(url)) hosts.add(new URL(url).hostname);
        }
        for (const r of layer.resources) {
            if (r.type !== "kubernetes:networking.k8s.io/v1:Ingress") continue;
            const rules = ((r.inputs.spec as { rules?: { host?: string }[] } | undefined)?.rules ?? []).filter((x) => x.host);
            for (const rule of rules) hosts.add(String(rule.host));
        }
    }
    return [...hosts].sort();
}

/** The VIP keepalived announces, read from a server's rendered keepalived configuration. */
function vipOf(infra: SynthResult): string | undefined {
    for (const r of infra.resources) {
        if (r.type !== INSTANCE) continue;
        const userData = JSON.stringify(r.inputs.userData ?? "");
        const match = /virtual_ipaddress \{(?:\\n|\s)*([0-9.]+)/.exec(userData);
        if (match) return match[1];
    }
    return undefined;
}

function componentsOf(result: SynthResult): string[] {
    const names = result.resources.filter((r) => !r.custom && !r.type.startsWith("pulumi:")).map((r) => r.type.split(":").pop() ?? r.type);
    return [...new Set(names)].sort();
}

const percent = (used: number, of: number) => (of === 0 ? -100 : Math.round((1 - used / of) * 1000) / 10);

function costOf(
    prices: PriceTable,
    pools: readonly ReportPool[],
    nodes: readonly ReportNode[],
    volumes: readonly Volume[],
): EnvironmentReport["cost"] {
    const lines: CostLine[] = [];
    for (const pool of pools) {
        const count = nodes.filter((n) => n.pool === pool.pool && n.flavor === pool.flavor).length || pool.count;
        const each = prices.flavorPerMonth[pool.flavor] ?? 0;
        lines.push({ item: `${pool.pool} (${pool.flavor})`, quantity: `${count} VM`, monthly: round2(count * each) });
    }
    // Claims on the NFS export or a node's disk cost nothing beyond the volume they are carved from.
    const gib = volumes.filter((v) => v.backing === "cinder").reduce((sum, v) => sum + v.sizeGiB * v.copies, 0);
    if (prices.volumeGbPerMonth > 0 && gib > 0) {
        lines.push({ item: "block storage (Cinder)", quantity: `${gib} GiB`, monthly: round2(gib * prices.volumeGbPerMonth) });
    }
    return { currency: prices.currency, lines, total: round2(lines.reduce((s, l) => s + l.monthly, 0)) };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function buildReport(synth: EnvironmentSynth, prices?: PriceTable): EnvironmentReport {
    const { infra, cluster, apps } = synth;
    const nodes = nodesOf(infra);
    const daemonSets = plain<Record<"server" | "agent", ResourceRequests>>(cluster.outputs.daemonSets) ?? {
        server: { cpuMilli: 0, memoryMiB: 0 },
        agent: { cpuMilli: 0, memoryMiB: 0 },
    };
    const pools = poolsOf(infra, nodes, daemonSets);
    const fit = plain<{ allocatable: ResourceRequests; requested?: ResourceRequests }>(apps.outputs.fit);
    const clusterRequests = requestsOf(cluster);
    const appsRequests = requestsOf(apps);
    const total = fit.requested ?? {
        cpuMilli: clusterRequests.cpuMilli + appsRequests.cpuMilli,
        memoryMiB: clusterRequests.memoryMiB + appsRequests.memoryMiB,
    };
    const volumes = findVolumes([infra, cluster, apps], plain<{ rwx?: string }>(cluster.outputs.storageClasses) ?? {});
    return {
        environment: String(plain(infra.outputs.environment)),
        k3sVersion: String(plain(infra.outputs.k3sVersion)),
        apiEndpoint: String(plain(infra.outputs.apiEndpoint)),
        vip: vipOf(infra),
        ingressAddress: String(plain(infra.outputs.ingressAddress)),
        ingressHosts: ingressHostsOf([cluster, apps]).filter((h) => h !== String(plain(infra.outputs.ingressAddress))),
        urls: urlsOf([cluster, apps]),
        nodes,
        pools,
        requests: { cluster: clusterRequests, apps: appsRequests, total },
        allocatable: fit.allocatable,
        headroomPercent: {
            cpu: percent(total.cpuMilli, fit.allocatable.cpuMilli),
            memory: percent(total.memoryMiB, fit.allocatable.memoryMiB),
        },
        volumes,
        components: { cluster: componentsOf(cluster), apps: componentsOf(apps) },
        cost: prices ? costOf(prices, pools, nodes, volumes) : undefined,
    };
}
