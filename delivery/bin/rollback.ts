/**
 * `npm run rollback -- <tag> <env> [--force] [--plan] [--yes] [--from <ref>]`
 *
 * Checks <tag> out in a temporary git worktree, synthesizes the environment's layers with the
 * tag's code and with what is deployed (the stacks' last-update commits and state when a backend
 * is reachable; this checkout, or --from <ref>, otherwise, and it says which), prints the diff per
 * layer and the planner's verdict, and refuses (unless --force) a k3s downgrade, a deleted or
 * replaced stateful resource, a database schema rollback, and the downgrade guards'
 * findings (delivery/rollback/downgrades.ts: operator/CRD, Kafka, provider/SDK, unknown image tags). Then runs `up` per layer in order
 * from the tag's worktree, through the same preflight and runner as `npm run up`.
 * --plan stops after the verdict (exit 0 when the rollback would proceed, 1 when refused).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { OWN_IMAGES } from "../../apps/repository";
import { basisLine, DeployedStack, readDeployed } from "../rollback/deployed";
import { defaultMainRef, releaseTagProblems } from "../release/releaseTag";
import {
    crdDowngrades,
    GuardKind,
    kafkaDowngrades,
    Packages,
    providerDowngrades,
    renderGuards,
    unknownImageTags,
} from "../rollback/downgrades";
import { irreversibleChanges, OVERRIDE_KINDS } from "../diff/irreversible";
import type { SynthResult } from "../synth/synth";
import { deploy } from "../deploy/cli";
import { environmentsIn, layerOrder } from "../environments/environments";
import { synthHead } from "../synth/head";
import { DEPLOY_FLAGS_USAGE, parseDeployArgs, realDeployRequest } from "../deploy/options";
import { LayerInput, planRollback, renderPlan } from "../rollback/rollback";
import { openWorktree, synthInWorktree, synthRef } from "../synth/worktree";
import { ROOT, STACKS_DIR } from "../synth/stacks";
import { runMain } from "./run";

const USAGE = `usage: npm run rollback -- <tag> <env> [--force | --allow <kind,...>] [--plan] [--from <ref>] ${DEPLOY_FLAGS_USAGE}`;

function packagesOf(file: string): Packages {
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { dependencies?: Packages; devDependencies?: Packages };
    return { ...pkg.devDependencies, ...pkg.dependencies };
}

/** The packages of what is compared against: a commit's package.json, or this checkout's. */
function packagesAt(commit: string | undefined): Packages {
    if (commit) {
        try {
            const text = execFileSync("git", ["show", `${commit}:package.json`], {
                cwd: ROOT,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "ignore"],
            });
            const pkg = JSON.parse(text) as { dependencies?: Packages; devDependencies?: Packages };
            return { ...pkg.devDependencies, ...pkg.dependencies };
        } catch {
            // Not fetched here: fall back to this checkout.
        }
    }
    return packagesOf(path.join(ROOT, "package.json"));
}

/** The "current" synth: --from, else each stack at its deployed commit, else this checkout. */
async function currentSynth(
    stacks: string[],
    from: string | undefined,
    deployed: Map<string, DeployedStack> | undefined,
    log: (l: string) => void,
) {
    if (from) return synthRef(ROOT, from, { stacks, log });
    const results = new Map<string, SynthResult>();
    const errors = new Map<string, string>();
    const byCommit = new Map<string, string[]>();
    for (const s of stacks) {
        const commit = deployed?.get(s)?.commit;
        if (commit) byCommit.set(commit, [...(byCommit.get(commit) ?? []), s]);
    }
    for (const [commit, group] of byCommit) {
        try {
            const r = await synthRef(ROOT, commit, { stacks: group, log });
            r.results.forEach((v, k) => results.set(k, v));
            r.errors.forEach((v, k) => errors.set(k, v));
        } catch (err) {
            log(
                `note: deployed commit ${commit.slice(0, 12)} is not available here ` +
                    `(${(err as Error).message.split("\n")[0]}); using this checkout for ${group.join(", ")}.`,
            );
        }
    }
    const rest = stacks.filter((s) => !results.has(s) && !errors.has(s));
    if (rest.length > 0) {
        const head = await synthHead(rest);
        head.results.forEach((v, k) => results.set(k, v));
        head.errors.forEach((v, k) => errors.set(k, v));
    }
    return { results, errors };
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
    const tagProblems = releaseTagProblems(ROOT, { tag, mainRef: defaultMainRef(ROOT) });
    if (tagProblems.length > 0) {
        console.error(`${tag} is not a release to roll back to:\n${tagProblems.map((p) => `  ${p}`).join("\n")}`);
        return 2;
    }

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
        const allStacks = [...new Set([...currentStacks, ...targetStacks])];
        const deployed = from ? undefined : await readDeployed({ workDir: ROOT, env: process.env }, allStacks);
        const basis = basisLine(deployed, allStacks, from);
        log(basis);
        const current = await currentSynth(currentStacks, from, deployed, log);
        for (const [stack, message] of current.errors)
            log(`note: the current ${stack} does not synthesize (${message.split("\n")[0]}); comparing with nothing.`);

        const inputs: LayerInput[] = layers.map((layer) => {
            const stack = stackOf(layer);
            return {
                layer,
                stack,
                current: current.results.get(stack),
                target: target.results.get(stack),
                targetError: target.errors.get(stack),
            };
        });
        // --force allows everything; --allow names what is allowed, kind by kind.
        const allow = force ? [...OVERRIDE_KINDS] : parsed.flags.allow;
        const planned = planRollback({ env, tag, layers: inputs, force });
        const plan = {
            ...planned,
            force: force || (planned.blockers.length > 0 && planned.blockers.every((b) => allow.includes(b.kind))),
            proceed: planned.proceed || (!planned.blockers.some((b) => b.fatal) && planned.blockers.every((b) => allow.includes(b.kind))),
        };
        console.log(renderPlan(plan));
        const guards = [
            ...inputs.flatMap(({ stack, target: t }) => {
                if (!t) return [];
                const now = deployed?.get(stack)?.resources ?? current.results.get(stack)?.resources ?? [];
                return [
                    ...crdDowngrades(stack, now, t.resources),
                    ...kafkaDowngrades(stack, now, t.resources),
                    ...unknownImageTags(stack, t.resources, Object.values(OWN_IMAGES)),
                    ...irreversibleChanges(stack, env, now, t.resources)
                        .filter((f) => !["k3s-downgrade", "airflow-downgrade", "kafka-downgrade", "volume-shrink"].includes(f.kind))
                        .map((f) => ({ kind: f.kind as GuardKind, stack: f.stack, message: f.message })),
                ];
            }),
            ...providerDowngrades(
                env,
                packagesAt(from ?? [...(deployed?.values() ?? [])].find((d) => d.commit)?.commit),
                packagesOf(path.join(tree.dir, "package.json")),
            ),
        ];
        console.log(`\n${basis}`);
        const unallowed = guards.filter((g) => !allow.includes(g.kind));
        if (guards.length > 0) {
            console.log(`Downgrade guards: ${guards.length} problem(s)\n${renderGuards(guards)}`);
            console.log(
                unallowed.length === 0
                    ? "Allowed by name (--allow/--force): proceeding anyway."
                    : `Re-run with --allow ${[...new Set(unallowed.map((g) => g.kind))].join(",")} to roll back anyway ` +
                          `(you own the consequences listed above).`,
            );
        }
        if (!plan.proceed || unallowed.length > 0) return 1;
        if (parsed.own.has("--plan")) return 0;

        const request = realDeployRequest({
            env,
            action: "up",
            stacks: plan.layers.filter((l) => !l.skip).map(({ layer, stack }) => ({ layer, stack })),
            stacksDir: path.join(tree.dir, "stacks"),
            workDir: tree.dir,
            flags: { ...parsed.flags, allow },
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

runMain(main, { stack: true });
