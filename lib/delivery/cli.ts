/**
 * The shared body of `npm run up|down|rollback`: preflight, optional confirmation, then the
 * layers in order through the runner, with progress and a summary. Returns the exit code.
 */
import * as readline from "readline";
import type { LayerName } from "../program";
import type { Action } from "./environments";
import { CommandRunner, preflight } from "./preflight";
import { adminCertWarnings } from "./certExpiry";
import { Log, renderSummary, runLayers, StackRunner } from "./runner";

export interface DeployRequest {
    readonly env: string;
    readonly action: Exclude<Action, "preview">;
    readonly stacks: { layer: LayerName; stack: string }[];
    readonly stacksDir: string;
    readonly workDir: string;
    readonly run: CommandRunner;
    readonly processEnv: NodeJS.ProcessEnv;
    readonly cliVersion: string;
    readonly runner: () => StackRunner;
    readonly log: Log;
    readonly error: Log;
    /** Asks before changing anything; resolves true to go on. */
    readonly confirm?: (question: string) => Promise<boolean>;
}

export async function deploy(req: DeployRequest): Promise<number> {
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
        req.error(check.message);
        return 1;
    }
    req.log(`Pulumi ${check.cliVersion}, backend ${check.backend}`);
    if (req.action === "up") for (const w of await adminCertWarnings(req.run, req.stacks, req.workDir)) req.error(w);
    for (const s of check.skipped) req.log(`${s}: no such stack in the backend, nothing to destroy`);
    const stacks = req.stacks.map((s) => ({ ...s, skip: check.skipped.includes(s.stack) }));
    req.log(`${req.action} ${req.env}: ${stacks.filter((s) => !s.skip).map((s) => s.stack).join(" → ")}`);
    if (req.confirm && !(await req.confirm(`${req.action === "destroy" ? "DESTROY" : "Deploy"} ${req.env}? [y/N] `))) {
        req.error("Cancelled.");
        return 1;
    }
    const report = await runLayers(req.env, req.action, stacks, req.runner(), req.log);
    (report.ok ? req.log : req.error)(`\n${renderSummary(report)}`);
    return report.ok ? 0 : 1;
}

/** A y/N prompt on the terminal. */
export function terminalConfirm(question: string): Promise<boolean> {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    return new Promise((resolve) =>
        rl.question(question, (answer) => {
            rl.close();
            resolve(/^y(es)?$/i.test(answer.trim()));
        }),
    );
}

/** The @pulumi/pulumi SDK version, the CLI version to suggest. */
export function sdkVersion(): string {
    return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}
