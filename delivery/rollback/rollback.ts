/**
 * Rollback planning: given what the current code synthesizes and what a release tag synthesizes,
 * per layer, decide whether `up` of the tag is safe. Refused (unless forced) when it would
 * downgrade k3s, delete or replace a stateful resource (see stateful.ts), shrink or re-type
 * storage (blockers.ts), or roll back a database schema (schemaBlockers.ts). Pure: the script
 * does the git and synth work.
 */
import type { LayerName } from "../../lib/layers";
import type { SynthResource, SynthResult } from "../synth/synth";
import { diffSynth, ResourceChange, StackDiff } from "../diff/diff";
import { layerOrder } from "../environments/environments";
import { renderStackDiff } from "../diff/markdown";
import { classify } from "./stateful";
import { k3sDowngrade, statefulBlockers, type Blocker } from "./blockers";
import { schemaBlockers } from "./schemaBlockers";

// The checks live beside the plan; importers keep reading them from here.
export { k3sDowngrade, quantity, statefulBlockers, type Blocker, type BlockerKind } from "./blockers";
export {
    AIRFLOW_VERSION_INPUTS,
    airflowReleases,
    airflowSchemaBlockers,
    SCHEMA_MARKER,
    schemaBlockers,
    schemaMarkers,
} from "./schemaBlockers";

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
            blockers.push({
                kind: "unsynthesizable",
                stack,
                fatal: true,
                message: `the tag's ${stack} does not synthesize: ${targetError.split("\n")[0]}`,
            });
            layers.push({ layer, stack, skip: true });
            continue;
        }
        if (!target) {
            warnings.push(`${request.tag} has no ${stack}: the layer is left as it is.`);
            layers.push({ layer, stack, skip: true });
            continue;
        }
        if (!current)
            warnings.push(
                `${stack} is not in the current code: the tag's version is compared with nothing (every resource shows as created).`,
            );
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
        lines.push(
            "Verdict: safe to roll back; `up` runs per layer in order: " +
                plan.layers
                    .filter((l) => !l.skip)
                    .map((l) => l.stack)
                    .join(" → "),
        );
    } else {
        lines.push(`Refused: ${plan.blockers.length} problem(s)`);
        for (const b of plan.blockers) lines.push(`  - [${b.kind}] ${b.stack}: ${b.message}`);
        if (plan.proceed) lines.push("Allowed by name (--allow/--force): proceeding anyway.");
        else if (plan.blockers.some((b) => b.fatal)) lines.push("This cannot be forced: the tag cannot be planned.");
        else
            lines.push(
                `Re-run with --allow ${[...new Set(plan.blockers.map((b) => b.kind))].join(",")} (or --force for ` +
                    `everything) to roll back anyway (you own the consequences listed above).`,
            );
    }
    return lines.join("\n");
}

/** Changes in a diff that touch stateful resources (for summaries). */
export function statefulChanges(diff: StackDiff): ResourceChange[] {
    return diff.changes.filter((c) => classify((c.before ?? c.after) as SynthResource) !== undefined);
}
