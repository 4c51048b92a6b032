/**
 * `npm run rollback -- <tag> <env> [--force] [--plan] [--yes] [--from <ref>]`
 *
 * Checks <tag> out in a temporary git worktree, synthesizes the environment's layers with the
 * tag's code and with the current code (this checkout, or --from <ref>), prints the diff per
 * layer and the planner's verdict, and refuses (unless --force) a k3s downgrade, a deleted or
 * replaced stateful resource, or a database schema rollback. Then runs `up` per layer in order
 * from the tag's worktree, through the same preflight and runner as `npm run up`.
 * --plan stops after the verdict (exit 0 when the rollback would proceed, 1 when refused).
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { deploy } from "../lib/delivery/cli";
import { environmentsIn, layerOrder } from "../lib/delivery/environments";
import { synthHead } from "../lib/delivery/head";
import { DEPLOY_FLAGS_USAGE, parseDeployArgs, realDeployRequest } from "../lib/delivery/options";
import { LayerInput, planRollback, renderPlan } from "../lib/delivery/rollback";
import { openWorktree, synthInWorktree, synthRef } from "../lib/delivery/worktree";
import { ROOT, STACKS_DIR } from "../lib/synth/stacks";

const USAGE = `usage: npm run rollback -- <tag> <env> [--force] [--plan] [--from <ref>] ${DEPLOY_FLAGS_USAGE}`;

function isAnnotatedTag(tag: string): boolean {
    try {
        return execFileSync("git", ["cat-file", "-t", `refs/tags/${tag}`], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() === "tag";
    } catch {
        return false;
    }
}

async function main(): Promise<number> {
    let parsed;
    try {
        parsed = parseDeployArgs(process.argv.slice(2), ["--force", "--plan"], ["--from"]);
    } catch (err) {
        console.error(`${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    const positional = parsed.positional;
    const from = parsed.own.get("--from") as string | undefined;
    if (positional.length !== 2) {
        console.error(USAGE);
        return 2;
    }
    const [tag, env] = positional;
    const force = parsed.own.has("--force");
    const log = (line: string) => console.error(line);
    if (!isAnnotatedTag(tag)) log(`note: ${tag} is not an annotated release tag here (releases are \`git tag -a vX.Y.Z\`); rolling back to it anyway.`);

    let tree;
    try {
        tree = openWorktree(ROOT, tag, log);
    } catch (err) {
        console.error((err as Error).message);
        return 2;
    }
    try {
        const envAt = (dir: string) => environmentsIn(dir).find((e) => e.env === env);
        const there = envAt(path.join(tree.dir, "stacks"));
        const here = envAt(STACKS_DIR);
        if (!there && !here) {
            console.error(`No environment "${env}" here or at ${tag}.`);
            return 2;
        }
        const layers = layerOrder("up").filter((l) => there?.stacks[l] || here?.stacks[l]);
        const stackOf = (l: (typeof layers)[number]) => there?.stacks[l] ?? here!.stacks[l]!;
        const targetStacks = layers.filter((l) => there?.stacks[l]).map(stackOf);
        const currentStacks = layers.filter((l) => here?.stacks[l]).map(stackOf);

        const target = synthInWorktree(tree, targetStacks, log);
        log(`current (${from ?? "this checkout"}): synth ${currentStacks.join(", ")} ...`);
        const current = from ? await synthRef(ROOT, from, { stacks: currentStacks, log }) : await synthHead(currentStacks);
        for (const [stack, message] of current.errors) log(`note: the current ${stack} does not synthesize (${message.split("\n")[0]}); comparing with nothing.`);

        const inputs: LayerInput[] = layers.map((layer) => {
            const stack = stackOf(layer);
            return { layer, stack, current: current.results.get(stack), target: target.results.get(stack), targetError: target.errors.get(stack) };
        });
        const plan = planRollback({ env, tag, layers: inputs, force });
        console.log(renderPlan(plan));
        if (!plan.proceed) return 1;
        if (parsed.own.has("--plan")) return 0;

        const request = realDeployRequest({
            env,
            action: "up",
            stacks: plan.layers.filter((l) => !l.skip).map(({ layer, stack }) => ({ layer, stack })),
            stacksDir: path.join(tree.dir, "stacks"),
            workDir: tree.dir,
            flags: parsed.flags,
        });
        if ("problem" in request) {
            console.error(request.problem);
            return 2;
        }
        return await deploy(request);
    } finally {
        tree.dispose();
    }
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof Error ? err.stack ?? err.message : err);
        process.exit(1);
    },
);
