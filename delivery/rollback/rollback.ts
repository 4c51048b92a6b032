/**
 * Rollback planning: given what the current code synthesizes and what a release tag synthesizes,
 * per layer, decide whether `up` of the tag is safe. Refused (unless forced) when it would
 * downgrade k3s, delete or replace a stateful resource (see stateful.ts), shrink or re-type
 * storage, or roll back a database schema. Pure: the script does the git and synth work.
 */
import type { LayerName } from "../../lib/layers";
import type { SynthResource, SynthResult } from "../synth/synth";
import { diffSynth, ResourceChange, StackDiff } from "../diff/diff";
import { layerOrder } from "../environments/environments";
import { renderStackDiff } from "../diff/markdown";
import { parsePath, pathMatches, formatPath, Segment } from "../diff/paths";
import { chartName, classify } from "./stateful";
import { Quantity } from "../../lib/quantity";
import { SCHEMA_POLICY } from "../../lib/contracts";
import { compareK3s, compareNumbers, parseK3sVersion, parseTagVersion, splitImage } from "../release/versions";

/**
 * The schema marker apps expose: a label or annotation on the workload (or its pod template),
 * or a key of that name in Helm values, whose value is the schema (migration) version the
 * workload's code runs against, e.g. `data-platform.io/schema-version: "7"`.
 */
export const SCHEMA_MARKER = "data-platform.io/schema-version";
const SCHEMA_KEYS = new Set([SCHEMA_MARKER, "schemaVersion"]);
/**
 * A workload whose migrations are expand-only (an older version runs on the newer schema, see
 * docs/apps.md) says so with the SCHEMA_POLICY annotation; its image may go back without a marker.
 */

function expandOnly(r: SynthResource): boolean {
    const annotations = (r.inputs.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {};
    return annotations[SCHEMA_POLICY] === "expand-only";
}

export interface LayerInput {
    readonly layer: LayerName;
    readonly stack: string;
    /** What the current code synthesizes (undefined when the stack is absent there). */
    readonly current?: SynthResult;
    /** What the tag synthesizes (undefined when the tag has no such stack). */
    readonly target?: SynthResult;
    /** Why the tag's stack could not be synthesized. */
    readonly targetError?: string;
}

export type BlockerKind = "k3s-downgrade" | "stateful" | "storage-change" | "schema-rollback" | "schema-unknown" | "unsynthesizable";

export interface Blocker {
    readonly kind: BlockerKind;
    readonly stack: string;
    readonly message: string;
    /** --force cannot override (the tag cannot even be planned). */
    readonly fatal?: boolean;
}

export interface LayerPlan {
    readonly layer: LayerName;
    readonly stack: string;
    readonly diff?: StackDiff;
    /** The layer is left alone (the tag has no such stack). */
    readonly skip: boolean;
}

export interface RollbackPlan {
    readonly env: string;
    readonly tag: string;
    readonly force: boolean;
    /** In the order `up` runs them. */
    readonly layers: LayerPlan[];
    readonly blockers: Blocker[];
    readonly warnings: string[];
    /** True when `up` may run: no blockers, or only non-fatal ones and --force. */
    readonly proceed: boolean;
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
        message: `k3s would go from ${now} down to ${then}: k3s does not support downgrades. Keep ${now} (roll forward with a fix, or set data-platform:k3sVersion on the tag's branch).`,
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
            blockers.push({ kind: "stateful", stack, message: `${what} would be replaced because ${change.reasons.join("; ").replace(/`/g, "")}: loses ${rule.loses}.` });
        } else if (change.kind === "update") {
            const guarded = (rule.guardedInputs ?? []).map(parsePath);
            const hits = change.inputs.filter((i) => guarded.some((g) => pathMatches(g, i.segments) && i.segments.length >= g.length));
            if (hits.length > 0) {
                blockers.push({ kind: "storage-change", stack, message: `${what} would change its storage (${[...new Set(hits.map((h) => h.path))].join(", ")}): storage specs cannot be rolled back in place.` });
            }
            for (const size of change.inputs.filter((i) => SIZE_PATHS.some((p) => formatPath(p) === i.path))) {
                const before = quantity(size.before);
                const after = quantity(size.after);
                if (before !== undefined && after !== undefined && after < before) {
                    blockers.push({ kind: "storage-change", stack, message: `${what} would shrink ${size.path} from ${String(size.before)} to ${String(size.after)}: volumes only grow.` });
                }
            }
        }
    }
    return blockers;
}

interface Marker {
    readonly key: string;
    readonly value: string;
}

function walk(value: unknown, path: Segment[], visit: (key: string, value: unknown, path: Segment[]) => void): void {
    if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (!Array.isArray(value)) visit(k, v, [...path, k]);
            walk(v, [...path, Array.isArray(value) ? Number(k) : k], visit);
        }
    }
}

/** Schema markers in a synth: `<resource name> <path>` → version. */
export function schemaMarkers(result: SynthResult | undefined): Marker[] {
    const markers: Marker[] = [];
    for (const r of result?.resources ?? []) {
        walk(r.inputs, [], (key, value, path) => {
            if (SCHEMA_KEYS.has(key) && (typeof value === "string" || typeof value === "number")) {
                markers.push({ key: `${r.name} ${formatPath(path)}`, value: String(value) });
            }
        });
    }
    return markers;
}

/** Container images of backend-ish workloads (name or image mentions backend/api/migrat). */
function backendImages(result: SynthResult | undefined): Map<string, string> {
    const images = new Map<string, string>();
    const backendish = /backend|(^|[-_/])api($|[-_/])|migrat/i;
    for (const r of (result?.resources ?? []).filter((x) => !expandOnly(x))) {
        walk(r.inputs, [], (key, value, path) => {
            if (key !== "image" || typeof value !== "string") return;
            const { repository } = splitImage(value);
            if (backendish.test(repository) || backendish.test(r.name)) images.set(`${r.name} ${formatPath(path)}`, value);
        });
    }
    return images;
}

const HELM_RELEASE = /^kubernetes:helm\.sh\/v\d+:Release$/;

/**
 * Where an Airflow Helm release says which Airflow runs: the chart version (each chart release
 * defaults to a newer Airflow) and the values that choose the Airflow version and image.
 */
export const AIRFLOW_VERSION_INPUTS: readonly string[] = ["version", "values.airflowVersion", "values.defaultAirflowTag", "values.images.airflow.tag"];

/** Helm releases of the Apache Airflow chart. */
export function airflowReleases(result: SynthResult | undefined): SynthResource[] {
    return (result?.resources ?? []).filter((r) => HELM_RELEASE.test(r.type) && chartName(r) === "airflow");
}

function inputAt(inputs: Record<string, unknown>, dotted: string): unknown {
    let value: unknown = inputs;
    for (const key of dotted.split(".")) {
        if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
        value = (value as Record<string, unknown>)[key];
    }
    return value;
}

/** The same release in the tag's synth: same resource name, else same Helm release name and namespace. */
function sameRelease(release: SynthResource, candidates: SynthResource[]): SynthResource | undefined {
    return candidates.find((c) => c.name === release.name)
        ?? candidates.find((c) => c.inputs.name !== undefined && c.inputs.name === release.inputs.name && c.inputs.namespace === release.inputs.namespace);
}

/**
 * Airflow migrates its metadata database forward on every upgrade (`airflow db migrate`, run
 * by the chart's migrate job); an older Airflow does not run against the newer schema. So a
 * lower chart version, airflowVersion, defaultAirflowTag or images.airflow.tag on an Airflow
 * release is a schema rollback.
 */
export function airflowSchemaBlockers(stack: string, current: SynthResult | undefined, target: SynthResult | undefined): Blocker[] {
    const blockers: Blocker[] = [];
    const targets = airflowReleases(target);
    for (const now of airflowReleases(current)) {
        const then = sameRelease(now, targets);
        if (!then) continue;
        const down: string[] = [];
        for (const input of AIRFLOW_VERSION_INPUTS) {
            const a = inputAt(now.inputs, input);
            const b = inputAt(then.inputs, input);
            if ((typeof a !== "string" && typeof a !== "number") || (typeof b !== "string" && typeof b !== "number")) continue;
            const va = parseTagVersion(String(a));
            const vb = parseTagVersion(String(b));
            if (va && vb && compareNumbers(vb, va) < 0) down.push(`${input} ${String(a)} → ${String(b)}`);
        }
        if (down.length > 0) {
            blockers.push({
                kind: "schema-rollback",
                stack,
                message: `${now.name}: Airflow goes back (${down.join(", ")}). Airflow migrates its metadata database forward on upgrade and an older Airflow does not run on the newer schema: run \`airflow db downgrade\` to the older version first, or restore a metadata-database backup taken before the upgrade, or roll forward.`,
            });
        }
    }
    return blockers;
}

/**
 * Schema rollbacks: Airflow releases going back (always checked), versioned schema markers that
 * go down, and without markers backend image tags that go down.
 */
export function schemaBlockers(stack: string, current: SynthResult | undefined, target: SynthResult | undefined): Blocker[] {
    const now = schemaMarkers(current);
    const then = new Map(schemaMarkers(target).map((m) => [m.key, m.value]));
    const blockers: Blocker[] = airflowSchemaBlockers(stack, current, target);
    if (now.length > 0) {
        for (const m of now) {
            const old = then.get(m.key);
            if (old === undefined) continue;
            const a = parseTagVersion(m.value);
            const b = parseTagVersion(old);
            if (a && b && compareNumbers(b, a) < 0) {
                blockers.push({ kind: "schema-rollback", stack, message: `${m.key.split(" ")[0]}: database schema ${m.value} → ${old}. Migrations only go forward; restore a backup taken at schema ${old} or roll forward.` });
            }
        }
        return blockers;
    }
    const thenImages = backendImages(target);
    for (const [key, image] of backendImages(current)) {
        const old = thenImages.get(key);
        if (!old || old === image) continue;
        const a = parseTagVersion(splitImage(image).tag ?? "");
        const b = parseTagVersion(splitImage(old).tag ?? "");
        if (a && b && compareNumbers(b, a) < 0) {
            blockers.push({
                kind: "schema-unknown",
                stack,
                message: `${key.split(" ")[0]}: backend image ${image} → ${old}. No ${SCHEMA_MARKER} marker says which schema each version needs; assuming the newer backend migrated the database, the older one may not read it.`,
            });
        }
    }
    return blockers;
}

export interface PlanRequest {
    readonly env: string;
    readonly tag: string;
    readonly layers: LayerInput[];
    readonly force?: boolean;
}

export function planRollback(request: PlanRequest): RollbackPlan {
    const force = request.force ?? false;
    const blockers: Blocker[] = [];
    const warnings: string[] = [];
    const byLayer = new Map(request.layers.map((l) => [l.layer, l]));
    const layers: LayerPlan[] = [];
    for (const layer of layerOrder("up")) {
        const input = byLayer.get(layer);
        if (!input) continue;
        const { stack, current, target, targetError } = input;
        if (targetError) {
            blockers.push({ kind: "unsynthesizable", stack, fatal: true, message: `the tag's ${stack} does not synthesize: ${targetError.split("\n")[0]}` });
            layers.push({ layer, stack, skip: true });
            continue;
        }
        if (!target) {
            warnings.push(`${request.tag} has no ${stack}: the layer is left as it is.`);
            layers.push({ layer, stack, skip: true });
            continue;
        }
        if (!current) warnings.push(`${stack} is not in the current code: the tag's version is compared with nothing (every resource shows as created).`);
        const diff = diffSynth(current, target);
        layers.push({ layer, stack, diff, skip: false });
        if (layer === "infra") {
            const k3s = k3sDowngrade(stack, current, target);
            if (k3s) blockers.push(k3s);
        }
        blockers.push(...statefulBlockers(stack, diff), ...schemaBlockers(stack, current, target));
    }
    const fatal = blockers.some((b) => b.fatal);
    return { env: request.env, tag: request.tag, force, layers, blockers, warnings, proceed: !fatal && (blockers.length === 0 || force) };
}

/** The plan as text for the terminal: per-layer diff, then the verdict. */
export function renderPlan(plan: RollbackPlan): string {
    const lines = [`# Rollback of ${plan.env} to ${plan.tag}`, ""];
    for (const l of plan.layers) {
        lines.push(l.diff ? renderStackDiff(l.diff) : `### \`${l.stack}\`: skipped`, "");
    }
    for (const w of plan.warnings) lines.push(`note: ${w}`);
    if (plan.blockers.length === 0) {
        lines.push("Verdict: safe to roll back; `up` runs per layer in order: " + plan.layers.filter((l) => !l.skip).map((l) => l.stack).join(" → "));
    } else {
        lines.push(`Refused: ${plan.blockers.length} problem(s)`);
        for (const b of plan.blockers) lines.push(`  - [${b.kind}] ${b.stack}: ${b.message}`);
        if (plan.proceed) lines.push("Allowed by name (--allow/--force): proceeding anyway.");
        else if (plan.blockers.some((b) => b.fatal)) lines.push("This cannot be forced: the tag cannot be planned.");
        else lines.push(`Re-run with --allow ${[...new Set(plan.blockers.map((b) => b.kind))].join(",")} (or --force for everything) to roll back anyway (you own the consequences listed above).`);
    }
    return lines.join("\n");
}

/** Changes in a diff that touch stateful resources (for summaries). */
export function statefulChanges(diff: StackDiff): ResourceChange[] {
    return diff.changes.filter((c) => classify((c.before ?? c.after) as SynthResource) !== undefined);
}
