/**
 * Plan, then apply. The layers are previewed before anything is asked or changed (all of them,
 * or layer by layer when an upper layer's preview must wait for the lower one's outputs, see
 * layerReads.ts); the previews are shown, fingerprinted, and the apply that follows is held to
 * them: with Pulumi update plans (`preview --save-plan` / `up --plan`) the engine itself refuses
 * any operation the plan does not hold; without them (`--no-plan`, or destroy) each layer is
 * previewed again right before it is applied and must match what was shown. Either way a stack
 * updated by someone else since the preview (its history version moved) or a checkout that moved
 * (another commit, edited files) is refused.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { LayerName } from "../../lib/layers";
import type { Action } from "../environments/environments";
import {
    failureText,
    LineSink,
    parseExport,
    parseHistory,
    parsePreviewJson,
    parseStackOutputs,
    PreviewStep,
    PulumiCliOptions,
    runPulumi,
    urnParts,
} from "./pulumiCli";
import type { OpCounts } from "./runner";

export interface LayerPreview {
    readonly layer: LayerName;
    readonly stack: string;
    /** The stack's history version when previewed (0: never updated). */
    readonly version: number;
    /** Operations other than `same`, in the engine's order. */
    readonly steps: PreviewStep[];
    readonly counts: OpCounts;
    /** Destroy only: resources marked `protect`, which stop `pulumi destroy`. */
    readonly protectedUrns: string[];
    /** The saved update plan, when plans are used. */
    readonly planFile?: string;
}

export interface EnvironmentPreview {
    readonly env: string;
    readonly action: Exclude<Action, "preview">;
    /** Commit and working-tree state the previews were made from. */
    readonly source: SourceState;
    readonly layers: LayerPreview[];
    /** sha256 over source, stack versions and steps: what an approval approves. */
    readonly fingerprint: string;
}

export interface SourceState {
    readonly commit: string;
    /** Hash of uncommitted changes; "" for a clean checkout. */
    readonly changes: string;
}

/** What `up`/`down` need from the CLI, injectable for tests. */
export interface Deployer {
    preview(layer: LayerName, stack: string, action: Exclude<Action, "preview">, onLine: LineSink): Promise<LayerPreview>;
    version(stack: string): Promise<number>;
    /** The stack's current outputs by name; secret values are not revealed ("[secret]"). */
    outputs(stack: string): Promise<Record<string, unknown>>;
    apply(preview: LayerPreview, action: Exclude<Action, "preview">, onLine: LineSink): Promise<OpCounts>;
}

const changed = (steps: readonly PreviewStep[]) => steps.filter((s) => s.op !== "same");

/** A step's identity for comparison: operation, URN and which inputs drive it. */
function stepKey(s: PreviewStep): string {
    return JSON.stringify([s.op, s.urn, [...(s.diffReasons ?? [])].sort(), [...(s.replaceReasons ?? [])].sort()]);
}

export function fingerprint(
    env: string,
    action: string,
    source: SourceState,
    layers: readonly Pick<LayerPreview, "stack" | "version" | "steps">[],
): string {
    const doc = {
        env,
        action,
        source,
        layers: layers.map((l) => ({ stack: l.stack, version: l.version, steps: changed(l.steps).map(stepKey).sort() })),
    };
    return createHash("sha256").update(JSON.stringify(doc)).digest("hex");
}

/** True when two previews of one stack hold the same operations. */
export function sameSteps(a: readonly PreviewStep[], b: readonly PreviewStep[]): boolean {
    const ka = changed(a).map(stepKey).sort();
    const kb = changed(b).map(stepKey).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

const SYMBOL: Record<string, string> = {
    create: "+",
    update: "~",
    delete: "-",
    replace: "+-",
    "create-replacement": "++",
    "delete-replaced": "--",
    read: ">",
    refresh: "~",
    import: "=",
};

/** The previews as text: per layer its counts, then one line per operation. */
export function renderPreview(p: EnvironmentPreview): string {
    const lines = [
        `Preview of ${p.action} ${p.env} at ${p.source.commit.slice(0, 12)}${p.source.changes ? " + uncommitted changes" : ""}:`,
    ];
    for (const l of p.layers) {
        const counts = Object.entries(l.counts)
            .filter(([op, n]) => op !== "same" && n > 0)
            .map(([op, n]) => `${n} ${op}`);
        const unchanged = l.counts.same ? `, ${l.counts.same} unchanged` : "";
        lines.push(
            "",
            `${l.stack} (${l.layer}, stack version ${l.version}): ${counts.length ? counts.join(", ") : "no changes"}${unchanged}`,
        );
        for (const s of changed(l.steps).filter((s) => s.op !== "create-replacement" && s.op !== "delete-replaced")) {
            const { type, name } = urnParts(s.urn);
            const why =
                s.op === "replace" && s.replaceReasons?.length
                    ? ` (replace: ${s.replaceReasons.join(", ")})`
                    : s.diffReasons?.length
                      ? ` (${s.diffReasons.join(", ")})`
                      : "";
            lines.push(`  ${(SYMBOL[s.op] ?? s.op).padEnd(2)} ${type} ${name}${why}`);
        }
        if (l.protectedUrns.length) lines.push(`  ! ${l.protectedUrns.length} protected resource(s) stop the destroy of ${l.stack}`);
    }
    lines.push("", `Preview fingerprint: ${p.fingerprint}`);
    return lines.join("\n");
}

/** Markdown for a job summary or an approval page. */
export function renderPreviewMarkdown(p: EnvironmentPreview): string {
    return [`### ${p.action} ${p.env}: preview of ${p.source.commit.slice(0, 12)}`, "", "```diff", renderPreview(p), "```", ""].join("\n");
}

/** The config key that protects a layer's stateful resources (each layer reads its own). */
export const PROTECT_KEY: Record<LayerName, string> = { infra: "protectData", cluster: "protectData", apps: "protectStateful" };

/** Why `down` cannot work as asked: protected resources, with how to release them on purpose, per layer. */
export function protectedReport(p: EnvironmentPreview): string | undefined {
    const blocked = p.layers.filter((l) => l.protectedUrns.length > 0);
    if (blocked.length === 0) return undefined;
    const lines = [`${p.env}: pulumi destroy stops at protected resources (stateful data is kept unless you say otherwise):`];
    for (const l of blocked) {
        for (const urn of l.protectedUrns) {
            const { type, name } = urnParts(urn);
            lines.push(`  ${l.stack}: ${type} ${name}`);
        }
    }
    lines.push("To destroy them on purpose, after a backup:");
    for (const l of blocked) {
        lines.push(
            `  ${l.stack}: set data-platform:${PROTECT_KEY[l.layer]} to "false" in stacks/Pulumi.${l.stack}.yaml ` +
                `and run \`npm run up -- ${p.env}\` (it removes the protection),`,
        );
    }
    lines.push("or release one resource: pulumi state unprotect -s <stack> '<urn>'. Then run down again.");
    return lines.join("\n");
}

/** The checkout's commit and a hash of its uncommitted changes (tracked and untracked). */
export function sourceState(git: (args: string[]) => string): SourceState {
    const commit = git(["rev-parse", "HEAD"]);
    // A rollback's worktree links node_modules in: that link is not a change of the source.
    const paths = ["--", ".", ":(exclude)node_modules"];
    const status = git(["status", "--porcelain=v1", "-uall", ...paths]);
    const changes =
        status === ""
            ? ""
            : createHash("sha256")
                  .update(status)
                  .update(git(["diff", "HEAD", ...paths]))
                  .digest("hex")
                  .slice(0, 16);
    return { commit, changes };
}

/** The real deployer: the Pulumi CLI, with update plans saved under `planDir` unless it is undefined. */
export function cliDeployer(cli: PulumiCliOptions, planDir: string | undefined): Deployer {
    const policy = cli.policyPack ? ["--policy-pack", cli.policyPack] : [];
    const version = async (stack: string) => {
        const r = await runPulumi(cli, ["stack", "history", "--stack", stack, "--json", "--page-size", "1"]);
        if (r.code !== 0) throw new Error(`pulumi stack history -s ${stack} failed:\n${failureText(r)}`);
        return parseHistory(r.stdout);
    };
    const previewSteps = async (stack: string, planFile: string | undefined, onLine: LineSink) => {
        const args = [
            "preview",
            "--stack",
            stack,
            "--json",
            "--non-interactive",
            ...policy,
            ...(planFile ? ["--save-plan", planFile] : []),
        ];
        const r = await runPulumi(cli, args, onLine);
        const json = parsePreviewJson(r.stdout);
        if (r.code !== 0 || !json) throw new Error(`pulumi preview -s ${stack} failed:\n${failureText(r, json)}`);
        return json;
    };
    return {
        version: async (stack) => (await version(stack)).version,
        async outputs(stack) {
            const r = await runPulumi(cli, ["stack", "output", "--stack", stack, "--json"]);
            if (r.code !== 0) throw new Error(`pulumi stack output -s ${stack} failed:\n${failureText(r)}`);
            return parseStackOutputs(r.stdout);
        },
        async preview(layer, stack, action, onLine) {
            const { version: v } = await version(stack);
            if (action === "destroy") {
                const r = await runPulumi(cli, ["stack", "export", "--stack", stack]);
                if (r.code !== 0) throw new Error(`pulumi stack export -s ${stack} failed:\n${failureText(r)}`);
                const resources = parseExport(r.stdout).filter(
                    (res) => res.type !== "pulumi:pulumi:Stack" && !res.type.startsWith("pulumi:providers:"),
                );
                const steps = resources.map((res) => ({ op: "delete", urn: res.urn })).reverse();
                return {
                    layer,
                    stack,
                    version: v,
                    steps,
                    counts: { delete: steps.length },
                    protectedUrns: resources.filter((res) => res.protect).map((res) => res.urn),
                };
            }
            let planFile: string | undefined;
            if (planDir) {
                fs.mkdirSync(planDir, { recursive: true });
                planFile = path.join(planDir, `${stack}.plan.json`);
            }
            const json = await previewSteps(stack, planFile, onLine);
            return {
                layer,
                stack,
                version: v,
                steps: json.steps,
                counts: json.changeSummary,
                protectedUrns: [],
                ...(planFile ? { planFile } : {}),
            };
        },
        async apply(p, action, onLine) {
            const now = await version(p.stack);
            if (now.version !== p.version) {
                throw new Error(
                    `${p.stack} was updated since the preview (stack version ${p.version} → ${now.version}); nothing ` +
                        `applied. Run the command again to preview what it would do now.`,
                );
            }
            if (action === "up" && !p.planFile) {
                // No update plan: hold the update to the preview by previewing again now.
                const again = await previewSteps(p.stack, undefined, () => undefined);
                if (!sameSteps(p.steps, again.steps)) {
                    throw new Error(
                        `${p.stack}: the preview changed since it was shown (a lower layer's outputs or the cloud moved); ` +
                            `nothing applied. Run the command again to see the new preview.`,
                    );
                }
            }
            const args =
                action === "destroy"
                    ? ["destroy", "--stack", p.stack, "--yes", "--non-interactive", "--skip-preview"]
                    : [
                          "up",
                          "--stack",
                          p.stack,
                          "--yes",
                          "--non-interactive",
                          "--skip-preview",
                          ...policy,
                          ...(p.planFile ? ["--plan", p.planFile] : []),
                      ];
            const r = await runPulumi(cli, args, onLine, false);
            if (r.code !== 0) {
                const text = failureText(r);
                // An update plan the engine cannot hold to (e.g. resources made inside an apply of an unknown value).
                const hint =
                    p.planFile && /plan/i.test(text)
                        ? "\nIf the update plan itself is what failed, run again with --no-plan (re-preview and compare instead)."
                        : "";
                throw new Error(`pulumi ${args[0]} -s ${p.stack} failed:\n${text}${hint}`);
            }
            // What was applied is what was previewed (the plan, or the matching re-preview).
            return Object.fromEntries(Object.entries(p.counts).filter(([op]) => op !== "same"));
        },
    };
}
