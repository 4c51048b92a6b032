/**
 * The shared body of `npm run up|down|rollback`: preflight, the mode (layerReads.ts: every layer
 * previewed first, or layer by layer when a lower layer is new or its preview changes what a
 * layer above reads), previews, the pre-apply checks (preApply.ts), the confirmation, then the
 * layers in order through the deployer (held to the preview, see plan.ts), with progress and a
 * summary. Returns the exit code.
 */
import * as fs from "fs";
import type { LayerName } from "../../lib/layers";
import type { Action } from "../environments/environments";
import {
    Deployer,
    EnvironmentPreview,
    fingerprint,
    LayerPreview,
    protectedReport,
    renderPreview,
    renderPreviewMarkdown,
    SourceState,
} from "./plan";
import { CommandRunner, preflight } from "./checks/preflight";
import { adminCertWarnings } from "./checks/certExpiry";
import { appliedLine, LayerOutcome, Log, renderSummary, runLayers } from "./runner";
import { modeFromOutputs, readersOf, RunStack, switchAfterPreview } from "./layerReads";
import { PreApplyCheck, preApplyRefusals } from "./checks/preApply";
import { placeholderReport, projectName } from "./checks/placeholderGate";
import { gate, Irreversible, irreversibleMarkdown } from "../diff/irreversible";
import { NodeProgress } from "../../lib/nodeProgress";

export interface DeployRequest {
    readonly env: string;
    readonly action: Exclude<Action, "preview">;
    readonly stacks: { layer: LayerName; stack: string }[];
    readonly stacksDir: string;
    readonly workDir: string;
    readonly run: CommandRunner;
    readonly processEnv: NodeJS.ProcessEnv;
    readonly cliVersion: string;
    readonly deployer: () => Deployer;
    /** The checkout's commit and uncommitted changes, read at preview time and before each layer. */
    readonly source: () => SourceState;
    readonly log: Log;
    readonly error: Log;
    /** Asks before changing anything; resolves true to go on. Undefined: --yes was given. */
    readonly confirm?: (question: string) => Promise<boolean>;
    /** Stop after the preview (exit 0 when every layer previewed). */
    readonly previewOnly?: boolean;
    /** Also write the preview as Markdown here (a CI job summary / approval page). */
    readonly previewOut?: string;
    /** The fingerprint an approval was given for; a different preview is refused. */
    readonly expectPreview?: string;
    /**
     * Checks run on each layer's preview before it is shown for confirmation and applied; any
     * refusal stops the run there (the layers below it may already be applied, layer by layer).
     */
    readonly preApplyChecks?: readonly PreApplyCheck[];
    /** Shows the offline synth diff when no backend can be reached (up only). */
    readonly offline?: () => Promise<void>;
    /** Irreversible changes between what is deployed and what would be applied (up only). */
    readonly irreversible?: () => Promise<Irreversible[]>;
    /** Kinds of irreversible change deliberately allowed (`--allow`). */
    readonly allow?: readonly string[];
}

export async function deploy(req: DeployRequest): Promise<number> {
    // Example values deploy nothing real: refused before anything else, listed in a preview.
    const examples = req.action === "up" ? placeholderReport(req.stacksDir, req.stacks, projectName(req.workDir)) : undefined;
    if (examples && !req.previewOnly) {
        req.error(`${examples}\nNothing was changed: up does not apply example values (synth and --preview-only accept them).`);
        return 1;
    }
    if (examples) req.error(`warning: ${examples}`);
    const check = await preflight({
        action: req.action,
        stacks: req.stacks,
        stacksDir: req.stacksDir,
        workDir: req.workDir,
        run: req.run,
        env: req.processEnv,
        cliVersion: req.cliVersion,
    });
    if (!check.ok) {
        if (req.offline && req.action === "up" && ["cli-missing", "not-logged-in", "backend-unreachable"].includes(check.problem)) {
            req.log("No Pulumi backend reachable, so no preview against the deployed state. What this checkout would change, offline:");
            await req.offline();
        }
        req.error(check.message);
        return 1;
    }
    req.log(`Pulumi ${check.cliVersion}, backend ${check.backend}`);
    if (req.action === "up") for (const w of await adminCertWarnings(req.run, req.stacks, req.workDir)) req.error(w);
    for (const s of check.skipped) req.log(`${s}: no such stack in the backend, nothing to destroy`);
    for (const note of check.notes ?? []) req.log(note);
    const stacks = req.stacks.filter((s) => !check.skipped.includes(s.stack));

    const deployer = req.deployer();
    const source = req.source();
    let layerByLayer = false;
    if (req.action === "up") {
        try {
            const mode = modeFromOutputs(stacks, await lowerOutputs(deployer, stacks));
            layerByLayer = mode.layerByLayer;
            req.log(`Mode: ${mode.reason}.`);
        } catch (err) {
            req.error(`${(err as Error).message}\nNothing was changed.`);
            return 1;
        }
    }

    // The pre-apply gate, before any layer is applied: what does not come back is named, and
    // applied only when allowed by name.
    const findings = req.irreversible ? await req.irreversible() : [];
    const verdict = gate(findings, req.allow ?? [], req.previewOnly ?? false);
    if (verdict.text) req.error(verdict.text);
    if (verdict.stop) return 1;

    const outcomes: LayerOutcome[] = [];
    let pending: LayerPreview[] = [];
    let batches = 0;
    const stopped = (rest: readonly RunStack[]) => [
        ...outcomes,
        ...rest.map((s): LayerOutcome => ({ ...s, status: "not previewed", seconds: 0 })),
    ];
    for (const [i, { layer, stack }] of stacks.entries()) {
        const rest = stacks.slice(i + 1);
        req.log(`preview ${stack} ...`);
        let layerPreview: LayerPreview;
        try {
            layerPreview = await deployer.preview(layer, stack, req.action, (line) => req.log(`  ${stack} | ${line}`));
        } catch (err) {
            req.error(`${(err as Error).message}\n${appliedLine(outcomes)}`);
            return 1;
        }
        const refusals = await preApplyRefusals(req.preApplyChecks ?? [], layerPreview, req.env);
        if (refusals.length > 0) {
            req.error(`${stack} is not applied:\n${refusals.map((r) => `  - ${r}`).join("\n")}\n${appliedLine(outcomes)}`);
            return 1;
        }
        pending.push(layerPreview);
        if (!layerByLayer && req.action === "up" && rest.length > 0) {
            const why = switchAfterPreview({ layer, stack }, layerPreview.steps, stacks);
            if (why) {
                layerByLayer = true;
                req.log(`Mode: ${why}.`);
            }
        }
        if (!layerByLayer && rest.length > 0) continue;

        // A batch: the layers previewed since the last apply, shown, confirmed and applied together.
        const batch = pending;
        pending = [];
        batches++;
        const preview: EnvironmentPreview = {
            env: req.env,
            action: req.action,
            source,
            layers: batch,
            fingerprint: fingerprint(req.env, req.action, source, batch),
        };
        req.log(`\n${renderPreview(preview)}\n`);
        if (req.previewOut)
            (batches === 1 ? fs.writeFileSync : fs.appendFileSync)(
                req.previewOut,
                renderPreviewMarkdown(preview) + (batches === 1 ? irreversibleMarkdown(findings, req.allow ?? []) : ""),
            );

        const blocked = req.action === "destroy" ? protectedReport(preview) : undefined;
        if (blocked) {
            req.error(blocked);
            return 1;
        }
        const names = batch.map((l) => l.stack).join(", ");
        if (req.previewOnly) {
            if (rest.length > 0)
                req.log(
                    `Not previewed: ${rest.map((s) => s.stack).join(", ")}: ` +
                        `${rest.length === 1 ? "it reads" : "they read"} outputs that applying ${names} sets. \`up\` ` +
                        `previews each after the layer below it is applied.`,
                );
            return 0;
        }
        if (req.expectPreview && batches > 1) {
            req.error(
                `${names} could only be previewed after ${outcomes.map((o) => o.stack).join(", ")} was applied, so ` +
                    `${batch.length === 1 ? "its preview is" : "their previews are"} not part of the approved one. ` +
                    `Approve this preview (fingerprint ${preview.fingerprint}; npm run up -- ${req.env} --preview-only ` +
                    `shows it) and run again with it.\n${appliedLine(outcomes)}`,
            );
            return 1;
        }
        if (req.expectPreview && req.expectPreview !== preview.fingerprint) {
            req.error(
                `The preview differs from the approved one (approved ${req.expectPreview.slice(0, 16)}…, now ` +
                    `${preview.fingerprint.slice(0, 16)}…): the commit, a stack or the cloud changed since. Nothing ` +
                    `applied; approve the new preview.`,
            );
            return 1;
        }
        if (!batch.some((l) => l.steps.some((s) => s.op !== "same"))) {
            const nothingYet = outcomes.every((o) => Object.values(o.changes ?? {}).every((n) => n === 0));
            if (rest.length === 0 && nothingYet) {
                req.log(`${req.env}: nothing to ${req.action === "destroy" ? "destroy" : "change"}.`);
                return 0;
            }
            req.log(`${names}: no changes, nothing to apply.`);
            outcomes.push(
                ...batch.map((l): LayerOutcome => ({ layer: l.layer, stack: l.stack, status: "succeeded", seconds: 0, changes: {} })),
            );
            continue;
        }
        const whole = batch.length === stacks.length;
        const target = whole
            ? req.env
            : `${names} (${batch.length === 1 ? `layer ${i + 1}` : `layers ${i + 2 - batch.length}-${i + 1}`} of ${stacks.length})`;
        if (req.confirm && !(await req.confirm(`${req.action === "destroy" ? "DESTROY" : "Apply this preview to"} ${target}? [y/N] `))) {
            req.error(`Cancelled. ${appliedLine(outcomes)}`);
            return 1;
        }
        const byStack = new Map(batch.map((l) => [l.stack, l]));
        const nodes = new NodeProgress();
        const nodeTable = () => (nodes.size > 0 ? `\nNodes rolled (seconds since each node's step began):\n${nodes.table()}` : "");
        const report = await runLayers(
            req.env,
            req.action,
            batch.map(({ layer: l, stack: s }) => ({ layer: l, stack: s })),
            {
                async run(s, _action, onOutput) {
                    const now = req.source();
                    if (now.commit !== source.commit || now.changes !== source.changes) {
                        const changes = now.changes !== source.changes ? ", uncommitted changes differ" : "";
                        throw new Error(
                            `The checkout changed since the preview (${source.commit.slice(0, 12)} → ` +
                                `${now.commit.slice(0, 12)}${changes}); ${s} not applied.`,
                        );
                    }
                    return deployer.apply(byStack.get(s)!, req.action, (line) => {
                        nodes.feed(line);
                        onOutput(line);
                    });
                },
            },
            req.log,
            Date.now,
            { offset: i + 1 - batch.length, total: stacks.length },
        );
        outcomes.push(...report.outcomes);
        if (report.ok && nodes.size > 0) req.log(nodeTable());
        if (!report.ok) {
            req.error(`${nodeTable()}\n${renderSummary({ ...report, outcomes: stopped(rest) })}`);
            return 1;
        }
    }
    req.log(`\n${renderSummary({ action: req.action, env: req.env, outcomes, ok: true })}`);
    return 0;
}

/** The current outputs of every stack of the run whose outputs a stack above it reads. */
async function lowerOutputs(deployer: Deployer, stacks: readonly RunStack[]): Promise<Map<string, Record<string, unknown>>> {
    const outputs = new Map<string, Record<string, unknown>>();
    for (const s of stacks) if (readersOf(s, stacks).length > 0) outputs.set(s.stack, await deployer.outputs(s.stack));
    return outputs;
}

/** The @pulumi/pulumi SDK version, the CLI version to suggest. */
export function sdkVersion(): string {
    return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}
