/**
 * Markdown for synth diffs: what a reviewer reads in the PR comment and what `npm run diff`
 * prints. Replacements and deletions first; secrets never shown; long values shortened.
 */
import { ChangeKind, countByKind, hasChanges, InputChange, ResourceChange, StackDiff } from "./diff";
import type { RollNode } from "./rollOrder";
import { Irreversible, irreversibleMarkdown } from "./irreversible";

/** First line of the sticky PR comment: the workflow finds its own comment by it. */
export const DIFF_MARKER = "<!-- data-platform:synth-diff -->";

/** GitHub rejects comments over 65536 characters. */
export const MAX_COMMENT_CHARS = 60000;

const VERB: Record<ChangeKind, string> = { replace: "REPLACE", delete: "delete", create: "create", update: "update" };
const ICON: Record<ChangeKind, string> = { replace: "🔁", delete: "🗑️", create: "➕", update: "✏️" };

function oneLine(value: unknown): string {
    if (value === undefined) return "(unset)";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.replace(/\s+/g, " ");
}

function shortValue(value: unknown): string {
    const text = oneLine(value);
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const CONTEXT = 12;

/**
 * Both sides of a changed value, cut around the part that differs: two SSH keys that share
 * their first 60 characters still read differently.
 */
export function differingParts(before: unknown, after: unknown, width = 60): [string, string] {
    const a = oneLine(before);
    const b = oneLine(after);
    if (before === undefined || after === undefined || (a.length <= width && b.length <= width))
        return [shortValue(before), shortValue(after)];
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let end = 0;
    while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
    const cut = (text: string) => {
        const from = Math.max(0, start - CONTEXT);
        const to = Math.min(text.length, Math.max(text.length - end + CONTEXT, from + 1));
        let middle = text.slice(from, to);
        if (middle.length > width) middle = `${middle.slice(0, width - 1)}…`;
        return `${from > 0 ? "…" : ""}${middle}${to < text.length ? "…" : ""}`;
    };
    return [cut(a), cut(b)];
}

/** `` `a` `` with backticks inside the value escaped by a longer fence. */
function code(text: string): string {
    const fence = text.includes("`") ? "``" : "`";
    return `${fence}${fence.length > 1 ? " " : ""}${text}${fence.length > 1 ? " " : ""}${fence}`;
}

function inputLine(c: InputChange): string {
    if (c.secret) return `  - ${code(c.path)}: (secret changed)`;
    const [before, after] = differingParts(c.before, c.after);
    return `  - ${code(c.path)}: ${code(before)} → ${code(after)}`;
}

function keyInputLine(c: InputChange): string {
    return c.secret ? `  - ${code(c.path)}: (secret)` : `  - ${code(c.path)}: ${code(shortValue(c.after))}`;
}

const MAX_INPUTS = 12;
const MAX_DEPENDENTS = 40;

function changeLines(c: ResourceChange): string[] {
    const head = `- ${ICON[c.kind]} **${VERB[c.kind]}** ${code(c.name)} (${code(c.type)})`;
    const lines = [
        c.kind === "replace" ? `${head} (why: ${c.why.map(code).join(", ") || "provider"}) because ${c.reasons.join("; ")}` : head,
    ];
    if (c.dependents && c.dependents.length > 0) {
        const shown = c.dependents.slice(0, MAX_DEPENDENTS).map(code).join(", ");
        const more = c.dependents.length > MAX_DEPENDENTS ? ` and ${c.dependents.length - MAX_DEPENDENTS} more` : "";
        lines.push(`  - ⚠️ blast radius: replaces all ${c.dependents.length} resources it manages: ${shown}${more}`);
    }
    for (const note of c.notes ?? []) lines.push(`  - ${note}`);
    if (c.kind === "update" || c.kind === "replace") {
        for (const input of c.inputs.slice(0, MAX_INPUTS)) lines.push(inputLine(input));
        if (c.inputs.length > MAX_INPUTS) lines.push(`  - … and ${c.inputs.length - MAX_INPUTS} more inputs`);
        if (c.options.length > 0) lines.push(`  - options: ${c.options.map(code).join(", ")}`);
        if (c.ignored.length > 0) lines.push(`  - ignored (ignoreChanges, kept as deployed): ${c.ignored.map(code).join(", ")}`);
    }
    if (c.kind === "create") for (const input of c.inputs) lines.push(keyInputLine(input));
    return lines;
}

/** The replaced nodes in the engine's order: each batch drained, replaced and Ready before the next. */
export function rollLines(roll: readonly (readonly RollNode[])[]): string[] {
    const nodes = roll.reduce((n, b) => n + b.length, 0);
    return [
        `Roll order: ${nodes} node(s) in ${roll.length} batch(es); each batch is drained, replaced and Ready before the next:`,
        ...roll.map((batch, i) => `${i + 1}. ${batch.map((n) => `${code(n.name)}${n.zone ? ` (${n.zone})` : ""}`).join(", ")}`),
    ];
}

export function summaryLine(diff: StackDiff): string {
    const n = countByKind(diff);
    return `${n.create} to create, ${n.update} to update, ${n.replace} to replace, ${n.delete} to delete, ${diff.unchanged} unchanged`;
}

/** One stack's section. */
export function renderStackDiff(diff: StackDiff): string {
    const lines = [`### ${code(diff.stack)}: ${hasChanges(diff) ? summaryLine(diff) : "no changes"}`];
    if (diff.note) lines.push("", `_${diff.note}_`);
    for (const warning of diff.warnings ?? []) lines.push("", `> ⚠️ ${warning}`);
    if (diff.changes.length > 0) lines.push("", ...diff.changes.flatMap(changeLines));
    if (diff.outputs.length > 0) lines.push("", `Outputs changed: ${diff.outputs.map(code).join(", ")}`);
    if (diff.roll) lines.push("", ...rollLines(diff.roll));
    return lines.join("\n");
}

export interface DiffReport {
    readonly base: string;
    readonly head: string;
    readonly stacks: StackDiff[];
    /** Stacks that could not be synthesized, with the error. */
    readonly errors?: { stack: string; side: "base" | "head"; message: string }[];
    /** Rendered capacity / cost sections, one per environment (delivery/report/delta.ts). */
    readonly capacity?: string[];
    /** Changes that do not come back (delivery/diff/irreversible.ts): `up` refuses them without `--allow`. */
    readonly irreversible?: readonly Irreversible[];
}

/** The head's failures come first: the PR does not validate, whatever the diff says. */
function headFailures(report: DiffReport): string[] {
    const failed = (report.errors ?? []).filter((e) => e.side === "head");
    if (failed.length === 0) return [];
    const parts = [
        "",
        `### ❌ The head does not validate: ${failed.map((e) => code(e.stack)).join(", ")}`,
        "",
        "`pulumi up` would stop before creating anything. The diff below covers the stacks that do synthesize.",
    ];
    for (const e of failed) parts.push("", `${code(e.stack)}:`, "", "```", e.message.trim(), "```");
    return parts;
}

/** The full comment: marker, title, one section per stack, synth errors. */
export function renderReport(report: DiffReport, maxChars = MAX_COMMENT_CHARS): string {
    const changed = report.stacks.filter(hasChanges);
    const quiet = report.stacks.filter((d) => !hasChanges(d));
    const parts = [
        DIFF_MARKER,
        `## Synth diff: ${code(report.base)} → ${code(report.head)}`,
        "",
        "Offline resource diff from `npm run synth` (no cloud access, secrets are placeholders). " +
            "A REPLACE names the input that forces it (the provider's rule at the pinned version, or replaceOnChanges).",
        ...headFailures(report),
    ];
    const irreversible = irreversibleMarkdown(report.irreversible ?? [], []);
    if (irreversible)
        parts.push(
            irreversible.trimEnd(),
            "",
            `\`npm run up\` and the deploy workflow refuse these unless the run names each kind with \`--allow <kind>\`.`,
        );
    for (const diff of changed) parts.push("", renderStackDiff(diff));
    if (quiet.length > 0) parts.push("", `No changes: ${quiet.map((d) => code(d.stack)).join(", ")}`);
    for (const section of report.capacity ?? []) parts.push("", section);
    for (const e of (report.errors ?? []).filter((x) => x.side === "base")) {
        parts.push("", `> ⚠️ ${code(e.stack)} could not be synthesized on the ${e.side} side:`, "", "```", e.message.trim(), "```");
    }
    let text = parts.join("\n") + "\n";
    if (text.length > maxChars) {
        const note = "\n\n_… cut to fit a GitHub comment; run `npm run diff -- <base-ref>` for the whole diff._\n";
        text = text.slice(0, maxChars - note.length) + note;
    }
    return text;
}
