/**
 * The ENGINE STAND-IN's plan (lifetime suite only): what `pulumi up` would do to the nodes of an
 * infra stack, read off the project's own offline diff of two synths (delivery/diff/diff.ts) — which
 * VMs are created, replaced (delete-before-replace, in the diff's roll batches) or deleted, in
 * which dependsOn order, and which lifecycle command lines (the synth's own `create`/`delete`
 * and environment) run around each. Pure: synth results in, steps out.
 */
import type { ResourceChange } from "../../../delivery/diff/changes";
import { diffSynth, StackDiff } from "../../../delivery/diff/diff";
import type { SynthResource, SynthResult } from "../../../delivery/synth/synth";
import { isComponent } from "../../../lib/componentType";

const INSTANCE = "openstack:compute/instance:Instance";
const COMMAND = "command:local:Command";

/** A lifecycle command as the synth records it. */
export interface CommandLine {
    readonly create?: string;
    readonly delete?: string;
    /** Environment, secrets unwrapped (the placeholders stay placeholders). */
    readonly environment: Record<string, string>;
}

export interface NodeStep {
    readonly kind: "create" | "replace" | "delete";
    /** The node's component name, e.g. `dev-k3s-server-0`. */
    readonly node: string;
    /** The slot (instance metadata `slot`), e.g. `server-0`. */
    readonly slot: string;
    /** k3s node name of the VM that goes (replace, delete) and of the one that comes (create, replace). */
    readonly oldName?: string;
    readonly newName?: string;
    /** server-0's instance metadata `k3s_bootstrap` for the new VM. */
    readonly bootstrap?: string;
    /** Attachments of the new VM, by their resource name suffix (`data`, `datastore`). */
    readonly volumes: string[];
    readonly oldLifecycle?: CommandLine;
    readonly newLifecycle?: CommandLine;
}

export interface EnginePlan {
    readonly diff: StackDiff;
    /** Groups run one after another; the steps of a group together (the engine's parallelism). */
    readonly groups: NodeStep[][];
    /** Cluster-wide gates (commands outside a node) to run after the nodes: their `create`. */
    readonly gates: CommandLine[];
}

/**
 * The one VM change the first `up` after a cluster's creation makes beside what was asked: the
 * cluster now exists (the stack published its outputs), so server-0's instance metadata
 * `k3s_bootstrap` goes from cluster-init to join, in place; the VM is not touched
 * (docs/infra.md, "Where the metadata comes from").
 */
export function settlesBootstrap(change: Pick<ResourceChange, "type" | "kind" | "inputs">): boolean {
    const [only, ...more] = change.inputs;
    return (
        change.type === INSTANCE &&
        change.kind === "update" &&
        more.length === 0 &&
        only?.path === "metadata.k3s_bootstrap" &&
        only.before === "cluster-init" &&
        only.after === "join"
    );
}

/** A plan's VM changes as `<kind> <resource name>`, leaving out server-0's bootstrap settling in place. */
export function vmChanges(plan: EnginePlan): string[] {
    return plan.diff.changes.filter((c) => c.type === INSTANCE && !settlesBootstrap(c)).map((c) => `${c.kind} ${c.name}`);
}

function unwrap(value: unknown): unknown {
    return value !== null && typeof value === "object" && "@secret" in (value as object)
        ? (value as { "@secret": unknown })["@secret"]
        : value;
}

export function commandLine(resource: SynthResource): CommandLine {
    const env = (unwrap(resource.inputs.environment) ?? {}) as Record<string, unknown>;
    return {
        ...(typeof resource.inputs.create === "string" ? { create: resource.inputs.create } : {}),
        ...(typeof resource.inputs.delete === "string" ? { delete: resource.inputs.delete } : {}),
        environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(unwrap(v))])),
    };
}

export interface NodeView {
    readonly component: SynthResource;
    readonly instance: SynthResource;
    readonly lifecycle?: SynthResource;
    readonly attachments: string[];
}

/** Each K3sNode component of a synth with its VM, lifecycle command and volume attachments. */
export function nodesOf(result: SynthResult): Map<string, NodeView> {
    const out = new Map<string, NodeView>();
    for (const component of result.resources.filter((r) => isComponent(r.type, "infra", "K3sNode"))) {
        const children = result.resources.filter((r) => r.parent === component.urn);
        const instance = children.find((r) => r.type === INSTANCE);
        if (!instance) continue;
        const lifecycle = children.find((r) => r.type === COMMAND && r.name === `${component.name}-lifecycle`);
        const attachments = children
            .filter((r) => r.type === "openstack:compute/volumeAttach:VolumeAttach")
            .map((r) => r.name.slice(component.name.length + 1).replace(/-attach$/, ""));
        out.set(component.name, { component, instance, lifecycle, attachments });
    }
    return out;
}

/** A VM's instance metadata (slot, role, k3s_bootstrap…). */
export const metadataOf = (instance: SynthResource) => (unwrap(instance.inputs.metadata) ?? {}) as Record<string, string>;

/** Create groups: a node comes after every node its resources depend on (servers one at a time). */
function createGroups(created: NodeView[], all: Map<string, NodeView>, result: SynthResult): NodeView[][] {
    const componentOfUrn = new Map<string, string>();
    for (const [name, view] of all) {
        for (const r of result.resources) {
            let p: SynthResource | undefined = r;
            for (let depth = 0; p && depth < 8; depth++) {
                if (p.urn === view.component.urn) componentOfUrn.set(r.urn, name);
                p = p.parent ? result.resources.find((x) => x.urn === p!.parent) : undefined;
            }
        }
    }
    const names = new Set(created.map((v) => v.component.name));
    const preds = (view: NodeView) =>
        new Set(
            result.resources
                .filter((r) => componentOfUrn.get(r.urn) === view.component.name)
                .flatMap((r) => r.options.dependsOn.map((d) => componentOfUrn.get(d)))
                .filter((n): n is string => n !== undefined && n !== view.component.name && names.has(n)),
        );
    const level = new Map<string, number>();
    const levelOf = (view: NodeView, depth = 0): number => {
        const known = level.get(view.component.name);
        if (known !== undefined) return known;
        if (depth > created.length) throw new Error(`plan: dependency cycle through ${view.component.name}`);
        const value = Math.max(-1, ...[...preds(view)].map((p) => levelOf(all.get(p)!, depth + 1))) + 1;
        level.set(view.component.name, value);
        return value;
    };
    const groups: NodeView[][] = [];
    for (const view of created) (groups[levelOf(view)] ??= []).push(view);
    return groups.filter(Boolean);
}

/**
 * The plan that takes the nodes from `before` (undefined: nothing exists) to `after`.
 * `replace`: node components replaced even without a change (the engine's `--replace`).
 */
export function planNodes(before: SynthResult | undefined, after: SynthResult, opts: { replace?: readonly string[] } = {}): EnginePlan {
    const diff = diffSynth(before, after);
    const was = before ? nodesOf(before) : new Map<string, NodeView>();
    const will = nodesOf(after);
    const kindOf = new Map(diff.changes.filter((c) => c.type === INSTANCE).map((c) => [c.name, c.kind]));
    const step = (kind: NodeStep["kind"], name: string): NodeStep => {
        const old = was.get(name);
        const next = will.get(name);
        const view = (next ?? old)!;
        return {
            kind,
            node: name,
            slot: metadataOf(view.instance).slot ?? name,
            ...(old && kind !== "create"
                ? { oldName: String(old.instance.inputs.name), ...(old.lifecycle ? { oldLifecycle: commandLine(old.lifecycle) } : {}) }
                : {}),
            ...(next && kind !== "delete"
                ? {
                      newName: String(next.instance.inputs.name),
                      bootstrap: metadataOf(next.instance).k3s_bootstrap,
                      ...(next.lifecycle ? { newLifecycle: commandLine(next.lifecycle) } : {}),
                  }
                : {}),
            volumes: next && kind !== "delete" ? next.attachments : [],
        };
    };
    const groups: NodeStep[][] = [];
    const created = [...will.values()].filter((v) => kindOf.get(v.instance.name) === "create");
    for (const g of createGroups(created, will, after)) groups.push(g.map((v) => step("create", v.component.name)));
    // Replacements (delete-before-replace) in the diff's roll batches, taken as they are: the nodes
    // of a batch have no dependsOn chain between them, so the engine replaces them together, and
    // each batch waits for the one before (a pool's batch b depends on batch b-1's Ready gates).
    const replace = (name: string) => {
        if (!was.has(name) || !will.has(name)) throw new Error(`plan: --replace ${name}: no such node on both sides`);
        return step("replace", name);
    };
    const batches = diff.roll ?? [];
    const rolled = new Set(batches.flat().map((n) => n.name));
    for (const batch of batches) groups.push(batch.map((n) => replace(n.name)));
    for (const name of (opts.replace ?? []).filter((n) => !rolled.has(n))) groups.push([replace(name)]);
    const deleted = [...was.values()].filter((v) => kindOf.get(v.instance.name) === "delete");
    if (deleted.length) groups.push(deleted.map((v) => step("delete", v.component.name)));
    const nodeCommands = new Set([...will.values()].map((v) => v.lifecycle?.name));
    const gates = diff.changes
        .filter((c) => c.type === COMMAND && c.kind !== "delete" && !nodeCommands.has(c.name) && c.after)
        .map((c) => commandLine(c.after!));
    return { diff, groups, gates };
}

/** `kind slot (old → new)`, or with the one name the step removes or adds. */
function stepText(s: NodeStep): string {
    const names = [s.oldName, s.newName].filter(Boolean).join(" → ");
    return `${s.kind} ${s.slot}${names ? ` (${names})` : ""}`;
}

/** One line per step, for the scenario's log. */
export function describePlan(plan: EnginePlan): string[] {
    return [
        ...plan.groups.map((g, i) => `${i + 1}. ${g.map(stepText).join(", ")}`),
        ...plan.gates.map((g) => `then ${g.create}`),
        ...(plan.diff.warnings ?? []).map((w) => `warning: ${w}`),
    ];
}
