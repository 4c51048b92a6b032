/**
 * The `upgrade-batched` environment (tests/lifetime/batched.lifetime.ts) and what its checks read.
 * dev's single server plus pool default at 4 agents with maxUnavailable 2: the cheapest cluster
 * whose roll has two batches of two (one emulated server to boot, where prod boots three, and
 * the prod file's life stays as long as it is). The plan's shape is read off the synth (which
 * nodes are servers, which belong to the pool), the unavailability off the API.
 */
import { isNodeReady, request, KubeTarget } from "../../../infra/lifecycle/kubeApi";
import { DEFAULT_POOL } from "../../../infra/pools";
import { isComponent } from "../../../lib/componentType";
import type { SynthResult } from "../../../delivery/synth/synth";
import type { EnvironmentSpec } from "./environment";
import { metadataOf, nodesOf, NodeStep, NodeView } from "./plan";

/** The pool whose agents roll in batches, and its batch size. */
export const BATCHED_POOL = DEFAULT_POOL;
export const BATCHED_MAX_UNAVAILABLE = 2;

/** The environment; `maxUnavailable` other than the scenario's for the host tests' comparison. */
export function batchedSpec(maxUnavailable = BATCHED_MAX_UNAVAILABLE): EnvironmentSpec {
    return {
        stack: "dev-infra",
        plan: { cidr: "10.0.0.0/24", servers: ["10.0.0.11"], agents: ["10.0.0.21", "10.0.0.22", "10.0.0.23", "10.0.0.24"] },
        agents: 4,
        defaultPool: { maxUnavailable },
        datastore: true,
        // Under TCG on a loaded 2-core machine a server can take longer than the stack's 20 min
        // to a ready API (docs/infra.md, the lifetime suite's measurements).
        settings: { readinessTimeoutMinutes: "45" },
    };
}

/** The label the comparison roll gives the pool: a change of the agents' user-data alone (k3s node-label). */
export const ROLL_LABEL = "lifetime.example.org/roll";

/**
 * The config of the comparison roll (batched.lifetime.ts): the environment at `version`, its pool
 * at maxUnavailable 1 with one label more, so that only the pool's agents are replaced.
 */
export function oneAtATimeConfig(config: Record<string, string>): Record<string, string> {
    const pools = JSON.parse(config.agentPools) as Record<string, Record<string, unknown>>;
    const pool = pools[BATCHED_POOL];
    const labels = { ...(pool.labels as Record<string, string> | undefined), [ROLL_LABEL]: "one-at-a-time" };
    return { ...config, agentPools: JSON.stringify({ ...pools, [BATCHED_POOL]: { ...pool, maxUnavailable: 1, labels } }) };
}

export interface SlotView {
    /** The K3sNode component, e.g. `dev-k3s-agent-0`. */
    readonly component: string;
    readonly slot: string;
    /** The k3s node name. */
    readonly name: string;
}

const bySlot = (a: SlotView, b: SlotView) => a.slot.localeCompare(b.slot, undefined, { numeric: true });
const slotView = (v: NodeView): SlotView => ({
    component: v.component.name,
    slot: metadataOf(v.instance).slot,
    name: String(v.instance.inputs.name),
});

/** The servers of a synth, by slot index. */
export function serversOf(result: SynthResult): SlotView[] {
    return [...nodesOf(result).values()]
        .filter((v) => metadataOf(v.instance).role === "server")
        .map(slotView)
        .sort(bySlot);
}

/** The nodes of agent pool `pool` (children of its AgentPool component, `<cluster>-pool-<pool>`), by slot index. */
export function poolOf(result: SynthResult, pool: string): SlotView[] {
    const components = result.resources.filter((r) => isComponent(r.type, "infra", "AgentPool") && r.name.endsWith(`-pool-${pool}`));
    if (components.length !== 1) throw new Error(`the synth has ${components.length} AgentPool components for pool ${pool}`);
    return [...nodesOf(result).values()]
        .filter((v) => v.component.parent === components[0].urn)
        .map(slotView)
        .sort(bySlot);
}

interface ApiNode {
    metadata: { name: string };
    spec?: { unschedulable?: boolean };
    status?: { conditions?: { type: string; status: string }[] };
}

/** Names of the Nodes the API shows Ready and schedulable (a drain cordons first). */
export async function availableNodes(target: KubeTarget): Promise<Set<string>> {
    const res = await request(target, "GET", "/api/v1/nodes");
    if (res.status !== 200) throw new Error(`listing nodes: HTTP ${res.status}`);
    const nodes = (JSON.parse(res.body) as { items: ApiNode[] }).items;
    return new Set(nodes.filter((n) => isNodeReady(n) && !n.spec?.unschedulable).map((n) => n.metadata.name));
}

/**
 * A pool's slots as the API shows them during a roll: a slot is unavailable while none of its
 * Nodes (the old name, and the new one once its VM booted) is Ready and schedulable — cordoned
 * by the drain, deleted, or not Ready yet. Every sample must be within maxUnavailable.
 */
export class PoolWatch {
    private readonly names = new Map<string, Set<string>>();
    /** The most slots seen unavailable at once, and when. */
    worst = { count: 0, at: "" };
    samples = 0;

    constructor(
        slots: readonly SlotView[],
        readonly maxUnavailable: number,
    ) {
        for (const s of slots) this.names.set(s.slot, new Set([s.name]));
    }

    has(slot: string): boolean {
        return this.names.has(slot);
    }

    /** A step of the pool reached a phase: its new node's name counts for the slot from now on. */
    saw(step: NodeStep): void {
        if (step.newName) this.names.get(step.slot)?.add(step.newName);
    }

    /** The pool's unavailable slots given the API's available Node names. */
    unavailable(available: ReadonlySet<string>): string[] {
        return [...this.names].filter(([, names]) => ![...names].some((n) => available.has(n))).map(([slot]) => slot);
    }

    /** Records one sample (taken `at`); throws when more than maxUnavailable slots are unavailable. */
    record(available: ReadonlySet<string>, at: string): string[] {
        const down = this.unavailable(available);
        this.samples++;
        if (down.length > this.worst.count) this.worst = { count: down.length, at };
        if (down.length > this.maxUnavailable)
            throw new Error(
                `${at}: ${down.length} of the pool's agents unavailable at once ` +
                    `(${down.join(", ")}), more than maxUnavailable ${this.maxUnavailable}`,
            );
        return down;
    }
}
