/**
 * How `up` goes through an environment's layers. An upper layer's preview reads the lower
 * stacks' outputs as they are now (StackReferences), so it is only worth showing when those
 * outputs will not move: when a lower layer is new (no outputs yet) or its preview changes an
 * output a layer above reads, `up` goes layer by layer (preview → confirm → apply, then the next
 * layer's preview sees the fresh outputs); otherwise every layer is previewed first. Which
 * outputs each layer reads comes from lib/contracts.ts, the lists the layers themselves read by.
 */
import { LAYER_READS } from "../../lib/contracts";
import type { LayerName } from "../../lib/layers";
import { PreviewStep, urnParts } from "./pulumiCli";

export interface RunStack {
    readonly layer: LayerName;
    readonly stack: string;
}

/** A stack of this run that reads outputs of a lower stack of this run. */
export interface Reader extends RunStack {
    readonly required: readonly string[];
    readonly optional: readonly string[];
}

export interface ModeChoice {
    readonly layerByLayer: boolean;
    /** One line: the mode and why. */
    readonly reason: string;
}

/** Pulumi's marker for a value that is only known after the apply (`pulumi preview --json`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The stacks of this run that read `lower`'s outputs, with what they read. */
export function readersOf(lower: RunStack, stacks: readonly RunStack[]): Reader[] {
    return stacks.flatMap((s) => {
        const reads = LAYER_READS[s.layer][lower.layer];
        return s.stack !== lower.stack && reads ? [{ ...s, required: reads.required, optional: reads.optional }] : [];
    });
}

/** Every output of `lower` that some stack of this run reads. */
export function readKeys(lower: RunStack, stacks: readonly RunStack[]): string[] {
    return [...new Set(readersOf(lower, stacks).flatMap((r) => [...r.required, ...r.optional]))];
}

/** `a, b, c and 4 more`. */
export function shortList(keys: readonly string[], max = 3): string {
    return keys.length <= max ? keys.join(", ") : `${keys.slice(0, max).join(", ")} and ${keys.length - max} more`;
}

/**
 * The mode before any preview, from the lower stacks' current outputs (names are enough; values
 * are never fetched). A lower stack that lacks an output its readers require is new.
 */
export function modeFromOutputs(stacks: readonly RunStack[], outputs: ReadonlyMap<string, Readonly<Record<string, unknown>>>): ModeChoice {
    for (const lower of stacks) {
        const readers = readersOf(lower, stacks);
        if (readers.length === 0) continue;
        const have = outputs.get(lower.stack) ?? {};
        const none = Object.keys(have).length === 0;
        const lacking = readers.map((r) => ({ r, missing: r.required.filter((k) => !(k in have)) })).filter((x) => x.missing.length > 0);
        if (lacking.length === 0) continue;
        const reads = lacking.map(({ r, missing }) => `${r.stack} reads ${shortList(missing)} from it`).join(", ");
        const what = none ? "has no outputs yet" : `lacks ${shortList([...new Set(lacking.flatMap((x) => x.missing))])}`;
        return { layerByLayer: true, reason: `layer by layer: ${lower.stack} ${what}, ${reads}` };
    }
    const lowers = stacks.filter((s) => readersOf(s, stacks).length > 0).map((s) => s.stack);
    return {
        layerByLayer: false,
        reason: lowers.length
            ? `previews first: ${lowers.join(", ")} already ${lowers.length === 1 ? "has" : "have"} every output the layers above read`
            : "previews first: no layer of this run reads another's outputs",
    };
}

function hasUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (v !== null && typeof v === "object") return Object.values(v).some(hasUnknown);
    return false;
}

/** True when a property path (`outputs.kubeconfig`, `kubeconfig.clusters[0]`) is about `key`. */
function pathIs(path: string, key: string): boolean {
    const bare = path.startsWith("outputs.") ? path.slice("outputs.".length) : path;
    return bare === key || bare.startsWith(`${key}.`) || bare.startsWith(`${key}[`);
}

/**
 * The outputs among `keys` that a stack's preview will change, read from its Stack resource's
 * step: a diff or detailed diff entry for the output, or a new value that differs from the old
 * one or is unknown until the apply. Secret values show as `[secret]` on both sides, so for them
 * only the diff entries tell; Pulumi's JSON does not always carry the new outputs either. What
 * this misses, the update plan catches: an upper layer's apply is refused when its inputs moved.
 */
export function changingOutputs(steps: readonly PreviewStep[], keys: readonly string[]): string[] {
    const root = steps.find((s) => urnParts(s.urn).type === "pulumi:pulumi:Stack");
    if (!root) return [];
    if (root.op === "create") return [...keys];
    const diffPaths = [...Object.keys(root.detailedDiff ?? {}), ...(root.diffReasons ?? [])];
    const before = root.oldState?.outputs ?? {};
    const after = root.newState?.outputs;
    return keys.filter((key) => {
        if (diffPaths.some((p) => pathIs(p, key))) return true;
        if (!after || !(key in after)) return false;
        return hasUnknown(after[key]) || JSON.stringify(after[key]) !== JSON.stringify(before[key]);
    });
}

/** The reason for leaving previews-first after `lower`'s preview, or undefined to stay. */
export function switchAfterPreview(lower: RunStack, steps: readonly PreviewStep[], stacks: readonly RunStack[]): string | undefined {
    const readers = readersOf(lower, stacks);
    if (readers.length === 0) return undefined;
    const changing = changingOutputs(steps, readKeys(lower, stacks));
    if (changing.length === 0) return undefined;
    const affected = readers.filter((r) => [...r.required, ...r.optional].some((k) => changing.includes(k))).map((r) => r.stack);
    return (
        `layer by layer from here: ${lower.stack}'s preview changes ${shortList(changing)}, which ` +
        `${affected.join(" and ")} ${affected.length === 1 ? "reads" : "read"}; ` +
        `${affected.length === 1 ? "its preview is" : "their previews are"} made after ${lower.stack} is applied`
    );
}
