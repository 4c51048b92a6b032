/**
 * Resource diff between two synth results of one stack, as the engine would plan it from the
 * recorded inputs and options: a resource is identified by URN; a new URN is a create, a gone URN
 * a delete, changed inputs an update — or a replace when a changed input is named by the
 * resource's `replaceOnChanges` (or is the Kubernetes object's name/namespace, which the provider
 * can only change by replacing the object).
 *
 * Pure: no Pulumi runtime, no I/O. Secret values (`{"@secret": ...}`) are compared but never shown.
 */
import type { SynthResource, SynthResult } from "../synth/synth";
import { formatPath, parsePath, pathMatches, Segment } from "./paths";

export type ChangeKind = "create" | "delete" | "update" | "replace";

export interface InputChange {
    /** Property path, e.g. `imageName` or `values.image.tag`. */
    readonly path: string;
    readonly segments: Segment[];
    readonly before: unknown;
    readonly after: unknown;
    /** Either side is (inside) a secret: the renderer does not show values. */
    readonly secret: boolean;
}

export interface ResourceChange {
    readonly kind: ChangeKind;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Changed inputs (update, replace). */
    readonly inputs: InputChange[];
    /** Changed resource options, e.g. `protect`, `replaceOnChanges` (update, replace). */
    readonly options: string[];
    /** Why the resource is replaced, one line per cause (replace only). */
    readonly reasons: string[];
    readonly before?: SynthResource;
    readonly after?: SynthResource;
}

export interface StackDiff {
    readonly stack: string;
    readonly changes: ResourceChange[];
    readonly unchanged: number;
    /** Stack outputs whose value differs (names only). */
    readonly outputs: string[];
    /** Set when only one side has the stack. */
    readonly note?: string;
}

const SECRET = "@secret";

function isSecret(value: unknown): value is { [SECRET]: unknown } {
    return value !== null && typeof value === "object" && !Array.isArray(value) && SECRET in (value as object) && Object.keys(value as object).length === 1;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function stable(value: unknown): string {
    return JSON.stringify(value, (_k, v: unknown) =>
        isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
    );
}

/** Leaf-level differences between two input trees. */
export function changedInputs(before: unknown, after: unknown, path: Segment[] = [], secret = false): InputChange[] {
    const bSecret = isSecret(before);
    const aSecret = isSecret(after);
    if (bSecret || aSecret) {
        return changedInputs(bSecret ? before[SECRET] : before, aSecret ? after[SECRET] : after, path, true);
    }
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => changedInputs(before[k], after[k], [...path, k], secret));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const n = Math.max(before.length, after.length);
        const out: InputChange[] = [];
        for (let i = 0; i < n; i++) out.push(...changedInputs(before[i], after[i], [...path, i], secret));
        return out;
    }
    if (stable(before) === stable(after)) return [];
    return [{ path: formatPath(path), segments: path, before, after, secret }];
}

/** Inputs a provider can only change by replacing the resource, whatever the options say. */
function providerReplaceKeys(type: string): Segment[][] {
    if (type === "kubernetes:helm.sh/v3:Release") return [["name"], ["namespace"]];
    if (type.startsWith("kubernetes:")) return [["metadata", "name"], ["metadata", "namespace"]];
    return [];
}

const OPTION_KEYS = ["protect", "retainOnDelete", "deleteBeforeReplace", "replaceOnChanges", "ignoreChanges", "dependsOn", "additionalSecretOutputs", "customTimeouts"] as const;

function compare(before: SynthResource, after: SynthResource): ResourceChange | undefined {
    const inputs = changedInputs(before.inputs, after.inputs);
    const options = OPTION_KEYS.filter((k) => stable(before.options[k]) !== stable(after.options[k])).map(String);
    const providerChanged = before.provider !== after.provider;
    if (inputs.length === 0 && options.length === 0 && !providerChanged) return undefined;

    const reasons: string[] = [];
    // The engine decides replacement with the new program's options.
    for (const pattern of after.options.replaceOnChanges) {
        const segments = parsePath(pattern);
        const hits = inputs.filter((c) => pathMatches(segments, c.segments));
        if (hits.length > 0) {
            reasons.push(`${[...new Set(hits.map((h) => `\`${topPath(h.segments, segments)}\``))].join(", ")} changed (replaceOnChanges: \`${pattern}\`)`);
        }
    }
    for (const key of providerReplaceKeys(after.type)) {
        if (inputs.some((c) => pathMatches(key, c.segments))) reasons.push(`\`${formatPath(key)}\` changed (the object's name: only a new object can have it)`);
    }
    if (providerChanged) reasons.push("its provider changed");
    const kind: ChangeKind = after.custom && reasons.length > 0 ? "replace" : "update";
    return { kind, urn: after.urn, type: after.type, name: after.name, inputs, options: providerChanged ? [...options, "provider"] : options, reasons: kind === "replace" ? reasons : [], before, after };
}

/** The changed path, cut to the pattern's depth when the pattern is shorter (the reason names what the pattern names). */
function topPath(changed: Segment[], pattern: Segment[]): string {
    if (pattern.length === 1 && pattern[0] === "*") return formatPath(changed.slice(0, 1));
    return formatPath(pattern.length < changed.length ? changed.slice(0, pattern.length) : changed);
}

const KIND_ORDER: Record<ChangeKind, number> = { replace: 0, delete: 1, create: 2, update: 3 };

/** Diff of one stack. Either side may be missing (a stack added or removed by the change). */
export function diffSynth(base: SynthResult | undefined, head: SynthResult | undefined): StackDiff {
    const stack = head?.stack ?? base?.stack ?? "(unknown)";
    const managed = (r: SynthResult | undefined) => new Map((r?.resources ?? []).filter((x) => !x.read).map((x) => [x.urn, x]));
    const before = managed(base);
    const after = managed(head);
    const changes: ResourceChange[] = [];
    let unchanged = 0;
    for (const [urn, b] of before) {
        const a = after.get(urn);
        if (!a) {
            changes.push({ kind: "delete", urn, type: b.type, name: b.name, inputs: [], options: [], reasons: [], before: b });
            continue;
        }
        const change = compare(b, a);
        if (change) changes.push(change);
        else unchanged++;
    }
    for (const [urn, a] of after) {
        if (!before.has(urn)) changes.push({ kind: "create", urn, type: a.type, name: a.name, inputs: [], options: [], reasons: [], after: a });
    }
    changes.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || (x.urn < y.urn ? -1 : x.urn > y.urn ? 1 : 0));
    const outKeys = [...new Set([...Object.keys(base?.outputs ?? {}), ...Object.keys(head?.outputs ?? {})])].sort();
    const outputs = outKeys.filter((k) => stable(base?.outputs?.[k]) !== stable(head?.outputs?.[k]));
    const note = !base && head ? "new stack: not in the base" : base && !head ? "stack removed: not in the head" : undefined;
    return { stack, changes, unchanged, outputs, ...(note ? { note } : {}) };
}

export function countByKind(diff: StackDiff): Record<ChangeKind, number> {
    const counts: Record<ChangeKind, number> = { create: 0, delete: 0, update: 0, replace: 0 };
    for (const c of diff.changes) counts[c.kind]++;
    return counts;
}

export function hasChanges(diff: StackDiff): boolean {
    return diff.changes.length > 0 || diff.outputs.length > 0;
}
