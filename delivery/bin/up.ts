/**
 * `npm run up -- <env> [flags]` / `npm run down -- <env> [flags]`
 *
 * Previews every layer stack of an environment (infra → cluster → apps; in reverse for down),
 * shows the previews together, asks, then applies exactly what was previewed (Pulumi update
 * plans, see delivery/deploy/plan.ts). When a lower layer is new or its preview changes outputs a layer
 * above reads, `up` goes layer by layer instead: preview, ask, apply, then the next layer's
 * preview (delivery/deploy/layerReads.ts). Without a terminal `--yes` is required; production
 * environments also need `--confirm-env <env>`. A preflight first checks the CLI, the backend,
 * the stacks and their secrets, and stops with one message saying what to run; when no backend is
 * reachable, `up` shows the offline synth diff instead of a preview.
 */
import * as path from "path";
import { environmentsIn, stacksFor } from "../environments/environments";
import { deploy } from "../deploy/cli";
import { DEPLOY_FLAGS_USAGE, parseDeployArgs, realDeployRequest } from "../deploy/options";
import { runMain } from "./run";

// Not from delivery/synth: that loads the Pulumi runtime and mocks, which only the offline diff needs.
const ROOT = path.resolve(__dirname, "..", "..");
const STACKS_DIR = path.join(ROOT, "stacks");

async function main(): Promise<number> {
    const argv = process.argv.slice(2);
    const destroy = argv.includes("--destroy");
    const envs = environmentsIn(STACKS_DIR).map((e) => e.env);
    const usage =
        `usage: npm run ${destroy ? "down" : "up"} -- <env> ` +
        `${DEPLOY_FLAGS_USAGE}${destroy ? "" : " [--from <ref>]"}   (environments: ${envs.join(", ")})`;
    let parsed;
    try {
        parsed = parseDeployArgs(argv, ["--destroy"], ["--from"]);
    } catch (err) {
        console.error(`${(err as Error).message}\n${usage}`);
        return 2;
    }
    const [env, ...extra] = parsed.positional;
    if (!env || extra.length > 0) {
        console.error(usage);
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
    const from = parsed.own.get("--from");
    const request = realDeployRequest({
        env,
        action,
        stacks,
        stacksDir: STACKS_DIR,
        workDir: ROOT,
        flags: parsed.flags,
        offline: async () =>
            (await import("../diff/offline")).offlineDiff(
                ROOT,
                env,
                stacks.map((s) => s.stack),
                (line) => console.log(line),
                typeof from === "string" ? from : undefined,
            ),
    });
    if ("problem" in request) {
        console.error(request.problem);
        return 2;
    }
    return deploy(request);
}

runMain(main, { stack: true });
