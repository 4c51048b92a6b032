/**
 * Runs an action over an environment's layer stacks in order, stopping at the first failure,
 * with per-layer progress and a summary. The stack runner is injected: `deploy` (cli.ts) passes
 * one that applies each layer's previewed plan through the Pulumi CLI (plan.ts).
 */
import type { LayerName } from "../../lib/layers";
import type { Action } from "../environments/environments";

/** Resource operation counts as Pulumi reports them (`create`, `update`, `same`, ...). */
export type OpCounts = Record<string, number>;

export interface StackRunner {
    run(stack: string, action: Action, onOutput: (line: string) => void): Promise<OpCounts>;
}

export interface LayerOutcome {
    readonly layer: LayerName;
    readonly stack: string;
    /** `not previewed`: layer by layer, the run stopped before this layer's preview. */
    readonly status: "succeeded" | "failed" | "not run" | "skipped" | "not previewed";
    readonly seconds: number;
    readonly changes?: OpCounts;
    readonly error?: string;
}

export interface RunReport {
    readonly action: Action;
    readonly env: string;
    readonly outcomes: LayerOutcome[];
    readonly ok: boolean;
}

export interface Log {
    (line: string): void;
}

export async function runLayers(
    env: string,
    action: Action,
    stacks: { layer: LayerName; stack: string; skip?: boolean }[],
    runner: StackRunner,
    log: Log,
    now: () => number = Date.now,
    /** Where these stacks sit in the whole run, for the `[n/total]` progress (layer by layer runs one at a time). */
    position: { readonly offset: number; readonly total: number } = { offset: 0, total: stacks.length },
): Promise<RunReport> {
    const outcomes: LayerOutcome[] = [];
    let failed = false;
    const total = position.total;
    for (const [j, { layer, stack, skip }] of stacks.entries()) {
        const i = j + position.offset;
        if (skip) {
            outcomes.push({ layer, stack, status: "skipped", seconds: 0 });
            log(`[${i + 1}/${total}] ${stack}: skipped`);
            continue;
        }
        if (failed) {
            outcomes.push({ layer, stack, status: "not run", seconds: 0 });
            continue;
        }
        log(`[${i + 1}/${total}] ${action} ${stack} (${layer}) ...`);
        const started = now();
        try {
            const changes = await runner.run(stack, action, (line) => log(`  ${stack} | ${line}`));
            const seconds = Math.round((now() - started) / 1000);
            outcomes.push({ layer, stack, status: "succeeded", seconds, changes });
            log(`[${i + 1}/${total}] ${stack}: done in ${seconds}s (${formatCounts(changes)})`);
        } catch (err) {
            failed = true;
            const seconds = Math.round((now() - started) / 1000);
            const error = err instanceof Error ? err.message : String(err);
            outcomes.push({ layer, stack, status: "failed", seconds, error });
            log(`[${i + 1}/${total}] ${stack}: FAILED after ${seconds}s`);
        }
    }
    return { action, env, outcomes, ok: !failed };
}

export function formatCounts(counts: OpCounts | undefined): string {
    const entries = Object.entries(counts ?? {}).filter(([, n]) => n > 0);
    return entries.length ? entries.map(([op, n]) => `${n} ${op}`).join(", ") : "no changes";
}

/** The closing summary: one line per layer, then the verdict and what to do on failure. */
export function renderSummary(report: RunReport): string {
    const width = Math.max(...report.outcomes.map((o) => o.stack.length), 5);
    const lines = [`Summary: ${report.action} ${report.env}`];
    for (const o of report.outcomes) {
        const detail =
            o.status === "succeeded" ? `${o.seconds}s, ${formatCounts(o.changes)}` : o.status === "failed" ? `${o.seconds}s` : "";
        lines.push(`  ${o.stack.padEnd(width)}  ${o.status.padEnd(9)}  ${detail}`.trimEnd());
    }
    const failed = report.outcomes.find((o) => o.status === "failed");
    if (failed) {
        lines.push("", `${failed.stack} failed:`, indent(lastLines(failed.error ?? "", 25)));
        lines.push("", appliedLine(report.outcomes));
        lines.push(
            "",
            `Fix the problem and run the same command again (finished layers ` +
                `are no-ops), or inspect with: pulumi preview -s ${failed.stack}`,
        );
    } else {
        lines.push("", `${report.env}: ${report.action} finished for every layer.`);
    }
    return lines.join("\n");
}

/** What a stopped run did change, for the closing message. */
export function appliedLine(outcomes: readonly LayerOutcome[]): string {
    const applied = outcomes.filter((o) => o.status === "succeeded" && Object.values(o.changes ?? {}).some((n) => n > 0));
    // An update stops at its first error: what it did before that stays done.
    // Refusals before the update say "nothing applied" / "not applied" themselves.
    const partly = outcomes.filter((o) => o.status === "failed" && !/\bnot(hing)? applied\b/.test(o.error ?? "")).map((o) => o.stack);
    const parts = [
        ...(applied.length ? [`Applied: ${applied.map((o) => `${o.stack} (${formatCounts(o.changes)})`).join(", ")}.`] : []),
        ...(partly.length ? [`${partly.join(", ")} may be partly applied (pulumi stops an update at its first error).`] : []),
    ];
    return parts.length ? parts.join(" ") : "Nothing was changed.";
}

function lastLines(text: string, n: number): string {
    const lines = text.trimEnd().split("\n");
    return lines.slice(Math.max(0, lines.length - n)).join("\n");
}

function indent(text: string): string {
    return text
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n");
}
