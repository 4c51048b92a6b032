/**
 * `npm run diff -- <base-ref> [--stack <stack>]... [--out <file>] [--json]`
 *
 * Synthesizes every stack at <base-ref> (with that ref's code, in a temporary git worktree) and
 * in this checkout, and prints the resource diff per stack as Markdown: created, deleted,
 * updated (which inputs) and replaced (why). No cloud access. When a head stack does not
 * synthesize (its config does not validate), the report's first section says so and the run
 * exits 1 — except in a pull-request job (`--pr`, or GITHUB_EVENT_NAME=pull_request*), which
 * exits 0 so the workflow still posts the report. 2 on bad usage or an unknown ref.
 */
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { diffExitCode, diffSynth, inPullRequestJob } from "../diff/diff";
import { synthHead } from "../synth/head";
import { DiffReport, renderReport } from "../diff/markdown";
import { irreversibleBetween } from "../diff/irreversible";
import { synthRef } from "../synth/worktree";
import { allStacks, ROOT } from "../synth/stacks";
import { capacitySections } from "../report/environment";
import { renderCapacityDelta } from "../report/delta";
import { parseCommandLine, UsageError } from "./args";
import { runMain } from "./run";

const USAGE = "usage: npm run diff -- <base-ref> [--stack <stack>]... [--out <file>] [--json] [--pr]";

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): { base: string; stacks?: string[]; out?: string; json: boolean; pr: boolean } {
    const { values, positionals } = parseCommandLine(argv, {
        stack: { type: "string", multiple: true },
        out: { type: "string" },
        json: { type: "boolean" },
        pr: { type: "boolean" },
    });
    const [base, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
    if (!base) throw new UsageError("missing <base-ref>");
    return { base, stacks: values.stack, out: values.out, json: values.json ?? false, pr: values.pr ?? inPullRequestJob(env) };
}

function headLabel(root: string): string {
    try {
        const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
        const dirty =
            execFileSync("git", ["status", "--porcelain", "--", "stacks", "infra", "cluster", "apps", "lib", "index.ts"], {
                cwd: root,
                encoding: "utf8",
            }).trim() !== "";
        return dirty ? `${sha} + working tree` : sha;
    } catch {
        return "working tree";
    }
}

/** `--json`: per stack its changes (without the full before/after resources) and its irreversible findings. */
function jsonReport(report: DiffReport): string {
    const stacks = report.stacks.map(({ stack, changes, unchanged, outputs, warnings }) => ({
        stack,
        unchanged,
        outputs,
        warnings,
        irreversible: (report.irreversible ?? []).filter((f) => f.stack === stack),
        changes: changes.map(({ before: _b, after: _a, ...rest }) => rest),
    }));
    return `${JSON.stringify(stacks, null, 2)}\n`;
}

/**
 * Where a run reads and writes. The script: this checkout, stdout and stderr. Tests run it in-process
 * on a throw-away repository (a copy of this checkout's code, so the head synth's code is the same).
 */
export interface DiffIo {
    readonly root: string;
    readonly env: NodeJS.ProcessEnv;
    /** The report (stdout). */
    readonly print: (text: string) => void;
    /** Progress and errors (stderr). */
    readonly log: (line: string) => void;
}

const SCRIPT_IO: DiffIo = { root: ROOT, env: process.env, print: (text) => process.stdout.write(text), log: (line) => console.error(line) };

/** The whole command; resolves to its exit code. */
export async function runDiff(argv: string[], io: DiffIo = SCRIPT_IO): Promise<number> {
    const { root, log } = io;
    let args: ReturnType<typeof parseArgs>;
    try {
        args = parseArgs(argv, io.env);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        log(`${err.message}\n${USAGE}`);
        return 2;
    }
    let base;
    try {
        base = await synthRef(root, args.base, { stacks: args.stacks, log });
    } catch (err) {
        log((err as Error).message);
        return 2;
    }
    const stacksDir = path.join(root, "stacks");
    const headStacks = allStacks(stacksDir).filter((s) => !args.stacks || args.stacks.includes(s));
    log(`head: synth ${headStacks.join(", ")} ...`);
    const head = await synthHead(headStacks, stacksDir);
    const stacks = [...new Set([...base.results.keys(), ...base.errors.keys(), ...head.results.keys(), ...head.errors.keys()])].sort();
    const comparable = stacks.filter((s) => !base.errors.has(s) && !head.errors.has(s));
    const report: DiffReport = {
        base: `${args.base} (${base.commit.slice(0, 12)})`,
        head: headLabel(root),
        stacks: comparable.map((s) => diffSynth(base.results.get(s), head.results.get(s))),
        irreversible: comparable.flatMap((s) => irreversibleBetween(base.results.get(s), head.results.get(s))),
        errors: [
            ...[...base.errors].map(([stack, message]) => ({ stack, side: "base" as const, message })),
            ...[...head.errors].map(([stack, message]) => ({ stack, side: "head" as const, message })),
        ],
        capacity: capacitySections(base.results, head.results, renderCapacityDelta),
    };
    const text = args.json ? jsonReport(report) : renderReport(report);
    if (args.out) fs.writeFileSync(args.out, text);
    io.print(text);
    if (head.errors.size > 0) {
        const prMode = args.pr ? " (pull-request mode: exit 0 so the report is posted)" : "";
        log(`head: ${[...head.errors.keys()].join(", ")} do not synthesize${prMode}`);
        return diffExitCode(head.errors.size, args.pr);
    }
    return 0;
}

// Run as the script only; imported (by tests), it is runDiff.
if (require.main === module) {
    runMain(() => runDiff(process.argv.slice(2)), { stack: true });
}
