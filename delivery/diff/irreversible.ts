/**
 * Changes that do not come back, judged between what is deployed (or the base of a diff) and what
 * would be applied, by logical identity (names, charts, metadata), never by URN. The one rule
 * set behind `npm run diff` (marked in the report and the PR comment), `npm run up` (refused
 * without `--allow <kind>`) and `npm run rollback` (delivery/rollback/downgrades.ts adds the
 * rollback-only guards and runs these too).
 */
import { LAYERS } from "../../lib/layers";
import { IRREVERSIBLE_KINDS, Irreversible, ResourceView } from "./irreversibleKinds";
import { airflowDowngrades, kafkaPartitions, postgresDowngrades, volumeShrinks } from "./dataChanges";
import { backupCredentials, k3sChanges, serverCount, sshKeys } from "./clusterChanges";

// The kinds live in their own file so the checks can name them without importing this one.
export { IRREVERSIBLE_KINDS } from "./irreversibleKinds";
export type { Irreversible, IrreversibleKind, ResourceView } from "./irreversibleKinds";

/** Every irreversible change between `before` (deployed or base) and `after` (what would be applied). */
export function irreversibleChanges(
    stack: string,
    env: string,
    before: readonly ResourceView[],
    after: readonly ResourceView[],
): Irreversible[] {
    return [
        ...kafkaPartitions(stack, before, after),
        ...postgresDowngrades(stack, before, after),
        ...airflowDowngrades(stack, before, after),
        ...k3sChanges(stack, before, after),
        ...volumeShrinks(stack, before, after),
        ...serverCount(stack, env, before, after),
        ...sshKeys(stack, before, after),
        ...backupCredentials(stack, before, after),
    ];
}

/** The environment of a `<env>-<layer>` stack (the stack name itself when it has no layer suffix). */
export function stackEnvironment(stack: string): string {
    const layer = LAYERS.find((l) => stack.endsWith(`-${l}`));
    return layer ? stack.slice(0, -(layer.length + 1)) : stack;
}

/** The offline diff's findings: between a stack's synth at the base and at the head (both present). */
export function irreversibleBetween(
    base: { stack: string; resources: readonly ResourceView[] } | undefined,
    head: { resources: readonly ResourceView[] } | undefined,
): Irreversible[] {
    return base && head ? irreversibleChanges(base.stack, stackEnvironment(base.stack), base.resources, head.resources) : [];
}

/** Findings not covered by `allowed` (kinds named with `--allow`). */
export function refused(findings: readonly Irreversible[], allowed: readonly string[]): Irreversible[] {
    return findings.filter((f) => !allowed.includes(f.kind));
}

export function renderIrreversible(findings: readonly Irreversible[], allowed: readonly string[] = []): string {
    return findings.map((f) => `  - [${f.kind}]${allowed.includes(f.kind) ? " (allowed)" : ""} ${f.stack}: ${f.message}`).join("\n");
}

/** What only a rollback can find (delivery/rollback/rollback.ts, delivery/rollback/downgrades.ts), also allowed by name. */
export const ROLLBACK_KINDS = [
    "stateful",
    "storage-change",
    "schema-rollback",
    "schema-unknown",
    "crd-downgrade",
    "provider-downgrade",
    "unknown-image-tag",
] as const;

/** Every kind `--allow` accepts. */
export const OVERRIDE_KINDS: readonly string[] = [...Object.keys(IRREVERSIBLE_KINDS), ...ROLLBACK_KINDS];

/** up's pre-apply verdict: the text to show, and whether to stop (anything not allowed, unless only previewing). */
export function gate(findings: readonly Irreversible[], allow: readonly string[], previewOnly: boolean): { stop: boolean; text?: string } {
    if (findings.length === 0) return { stop: false };
    const stop = refused(findings, allow);
    const text = `IRREVERSIBLE: ${findings.length} change(s) that do not come back:\n${renderIrreversible(findings, allow)}`;
    if (stop.length > 0 && !previewOnly) {
        const kinds = [...new Set(stop.map((f) => f.kind))];
        return { stop: true, text: `${text}\nRefused; nothing applied. If you mean it, re-run with --allow ${kinds.join(",")}.` };
    }
    return { stop: false, text };
}

/** The PR comment's section naming each irreversible change (empty when there is none). */
export function irreversibleMarkdown(findings: readonly Irreversible[], allow: readonly string[]): string {
    if (findings.length === 0) return "";
    const item = (f: Irreversible) => `- **${f.kind}**${allow.includes(f.kind) ? " (allowed)" : ""} \`${f.stack}\`: ${f.message}`;
    return `\n### ⛔ Irreversible changes\n\n${findings.map(item).join("\n")}\n`;
}

/** `--allow a,b`: each must be a kind. */
export function parseAllow(text: string | undefined): { kinds: string[]; problem?: string } {
    const kinds = (text ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    const bad = kinds.filter((k) => !OVERRIDE_KINDS.includes(k));
    return bad.length
        ? { kinds, problem: `--allow ${bad.join(",")}: not a kind of refused change; use one of ${OVERRIDE_KINDS.join(", ")}` }
        : { kinds };
}
