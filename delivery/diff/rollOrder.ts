/**
 * The order in which `pulumi up` replaces nodes, read off the synth the way the engine orders
 * work: a resource is registered only after everything its dependsOn names is done, so a node
 * whose VM depends on another node's lifecycle gate (its Ready wait) is replaced after it.
 * Replaced nodes with no such chain between them go together: that is a batch.
 *
 * Pure: synth results in, batches out.
 */
import { isComponent } from "../../lib/componentType";
import type { SynthResource, SynthResult } from "../synth/synth";

const INSTANCE = "openstack:compute/instance:Instance";

export interface RollNode {
    /** The node's component name, e.g. `prod-k3s-agent-3`. */
    readonly name: string;
    /** The VM's availability zone, when set. */
    readonly zone?: string;
}

/**
 * Batches of replaced nodes, in the order the engine works through them: batch k holds the
 * replaced nodes with k replaced nodes before them on their longest dependsOn chain.
 */
export function rollOrder(head: SynthResult, replacedInstanceUrns: ReadonlySet<string>): RollNode[][] {
    const byUrn = new Map(head.resources.map((r) => [r.urn, r]));
    const nodeOf = (urn: string): SynthResource | undefined => {
        for (let r = byUrn.get(urn), depth = 0; r && depth < 16; r = r.parent ? byUrn.get(r.parent) : undefined, depth++) {
            if (isComponent(r.type, "infra", "K3sNode")) return r;
        }
        return undefined;
    };
    const nodes = head.resources.filter((r) => isComponent(r.type, "infra", "K3sNode"));
    const members = new Map<string, SynthResource[]>();
    for (const r of head.resources) {
        const node = r.parent ? nodeOf(r.urn) : undefined;
        if (node && r !== node) members.set(node.urn, [...(members.get(node.urn) ?? []), r]);
    }
    const instanceOf = (node: SynthResource) => members.get(node.urn)?.find((r) => r.type === INSTANCE);
    const replaced = (node: SynthResource) => {
        const vm = instanceOf(node);
        return vm !== undefined && replacedInstanceUrns.has(vm.urn);
    };
    const before = new Map<string, Set<string>>();
    for (const node of nodes) {
        const preds = new Set<string>();
        for (const member of members.get(node.urn) ?? []) {
            for (const dep of member.options.dependsOn) {
                const other = nodeOf(dep);
                if (other && other.urn !== node.urn) preds.add(other.urn);
            }
        }
        before.set(node.urn, preds);
    }
    const level = new Map<string, number>();
    const levelOf = (urn: string, depth = 0): number => {
        const known = level.get(urn);
        if (known !== undefined) return known;
        if (depth > nodes.length) throw new Error(`roll order: dependency cycle through ${urn}`);
        let value = 0;
        for (const p of before.get(urn) ?? []) {
            const pred = byUrn.get(p)!;
            value = Math.max(value, levelOf(p, depth + 1) + (replaced(pred) ? 1 : 0));
        }
        level.set(urn, value);
        return value;
    };
    const batches: RollNode[][] = [];
    for (const node of nodes.filter(replaced).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))) {
        const k = levelOf(node.urn);
        const zone = instanceOf(node)?.inputs.availabilityZone;
        (batches[k] ??= []).push({ name: node.name, ...(typeof zone === "string" ? { zone } : {}) });
    }
    return batches.filter((b) => b !== undefined);
}
