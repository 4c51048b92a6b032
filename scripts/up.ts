/**
 * `npm run up -- <env> [--yes]` / `npm run down -- <env> [--yes]`
 *
 * Brings every layer stack of an environment up in order (infra → cluster → apps) or destroys
 * them in reverse, through the Pulumi CLI (Automation API over this repository: each layer is
 * exactly `pulumi up -s <env>-<layer>`). A preflight first checks the CLI, the backend login,
 * the stacks and their secrets, and stops with one message saying what to run.
 * Asks for confirmation on a terminal unless --yes; never asks when not on a terminal (CI).
 */
import { deploy, sdkVersion, terminalConfirm } from "../lib/delivery/cli";
import { environmentsIn, stacksFor } from "../lib/delivery/environments";
import { runCommand } from "../lib/delivery/preflight";
import { automationRunner } from "../lib/delivery/runner";
import { ROOT, STACKS_DIR } from "../lib/synth/stacks";

async function main(): Promise<number> {
    const argv = process.argv.slice(2);
    const destroy = argv.includes("--destroy");
    const yes = argv.includes("--yes") || argv.includes("-y");
    const unknown = argv.filter((a) => a.startsWith("-") && !["--destroy", "--yes", "-y"].includes(a));
    const [env, ...extra] = argv.filter((a) => !a.startsWith("-"));
    const envs = environmentsIn(STACKS_DIR).map((e) => e.env);
    if (!env || extra.length > 0 || unknown.length > 0) {
        console.error(`usage: npm run ${destroy ? "down" : "up"} -- <env> [--yes]   (environments: ${envs.join(", ")})`);
        return 2;
    }
    const action = destroy ? "destroy" : "up";
    let stacks;
    try {
        stacks = stacksFor(STACKS_DIR, env, action);
    } catch (err) {
        console.error((err as Error).message);
        return 2;
    }
    return deploy({
        env,
        action,
        stacks,
        stacksDir: STACKS_DIR,
        workDir: ROOT,
        run: runCommand(),
        processEnv: process.env,
        cliVersion: sdkVersion(),
        runner: () => automationRunner(ROOT),
        log: (line) => console.log(line),
        error: (line) => console.error(line),
        confirm: !yes && process.stdin.isTTY ? terminalConfirm : undefined,
    });
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof Error ? err.stack ?? err.message : err);
        process.exit(1);
    },
);
