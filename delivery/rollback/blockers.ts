/**
 * What refuses a rollback, and the checks that are not about schemas: a k3s downgrade, and a
 * stateful resource deleted, replaced, shrunk or with its storage spec changed.
 */
import type { SynthResult } from "../synth/synth";
import type { StackDiff } from "../diff/diff";
import { parsePath, pathMatches, formatPath } from "../diff/paths";
import { classify } from "./stateful";
import { Quantity } from "../../lib/quantity";
import { compareK3s, parseK3sVersion } from "../release/versions";

export type BlockerKind = "k3s-downgrade" | "stateful" | "storage-change" | "schema-rollback" | "schema-unknown" | "unsynthesizable";

export interface Blocker {
    readonly kind: BlockerKind;
    readonly stack: string;
    readonly message: string;
    /** --force cannot override (the tag cannot even be planned). */
    readonly fatal?: boolean;
}

function k3sVersionOf(result: SynthResult | undefined): string | undefined {
    if (!result) return undefined;
    const out = result.outputs.k3sVersion;
    if (typeof out === "string") return out;
    const fromNodes = result.resources
        .map((r) => (r.inputs.metadata as Record<string, unknown> | undefined)?.["k3s-version"])
        .filter((v): v is string => typeof v === "string" && parseK3sVersion(v) !== undefined)
        .sort((a, b) => compareK3s(parseK3sVersion(b)!, parseK3sVersion(a)!));
    return fromNodes[0];
}

/** k3s does not support downgrades (datastore migrations only go forward). */
export function k3sDowngrade(stack: string, current: SynthResult | undefined, target: SynthResult | undefined): Blocker | undefined {
    const now = k3sVersionOf(current);
    const then = k3sVersionOf(target);
    const a = now ? parseK3sVersion(now) : undefined;
    const b = then ? parseK3sVersion(then) : undefined;
    if (!a || !b || compareK3s(b, a) >= 0) return undefined;
    return {
        kind: "k3s-downgrade",
        stack,
        message:
            `k3s would go from ${now} down to ${then}: k3s does not support downgrades. Keep ${now} (roll ` +
            `forward with a fix, or set data-platform:k3sVersion on the tag's branch).`,
    };
}

/** Bytes of a Kubernetes quantity (`10Gi`), or a plain number (OpenStack volume size in GB). */
export function quantity(value: unknown): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value !== "string") return undefined;
    try {
        return Quantity.parse(value).bytes;
    } catch {
        return undefined;
    }
}

const SIZE_PATHS = [["size"], ["spec", "resources", "requests", "storage"]];

/** Stateful resources deleted, replaced, shrunk or with a guarded storage input changed. */
export function statefulBlockers(stack: string, diff: StackDiff): Blocker[] {
    const blockers: Blocker[] = [];
    for (const change of diff.changes) {
        const resource = (change.before ?? change.after)!;
        const rule = classify(change.before ?? resource) ?? (change.after ? classify(change.after) : undefined);
        if (!rule) continue;
        const what = `${change.name} (${change.type}, ${rule.category})`;
        if (change.kind === "delete") {
            blockers.push({ kind: "stateful", stack, message: `${what} would be deleted: loses ${rule.loses}.` });
        } else if (change.kind === "replace") {
            blockers.push({
                kind: "stateful",
                stack,
                message: `${what} would be replaced because ${change.reasons.join("; ").replace(/`/g, "")}: loses ${rule.loses}.`,
            });
        } else if (change.kind === "update") {
            const guarded = (rule.guardedInputs ?? []).map(parsePath);
            const hits = change.inputs.filter((i) => guarded.some((g) => pathMatches(g, i.segments) && i.segments.length >= g.length));
            if (hits.length > 0) {
                blockers.push({
                    kind: "storage-change",
                    stack,
                    message:
                        `${what} would change its storage (${[...new Set(hits.map((h) => h.path))].join(", ")}): storage ` +
                        `specs cannot be rolled back in place.`,
                });
            }
            for (const size of change.inputs.filter((i) => SIZE_PATHS.some((p) => formatPath(p) === i.path))) {
                const before = quantity(size.before);
                const after = quantity(size.after);
                if (before !== undefined && after !== undefined && after < before) {
                    blockers.push({
                        kind: "storage-change",
                        stack,
                        message:
                            `${what} would shrink ${size.path} from ${String(size.before)} ` +
                            `to ${String(size.after)}: volumes only grow.`,
                    });
                }
            }
        }
    }
    return blockers;
}
