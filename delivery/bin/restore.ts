/**
 * `npm run restore -- <env> [--snapshot NAME] [--from STEP] [--yes] [--confirm-env <env>]`
 * `npm run restore -- <env> --list`: only the snapshots and what a restore would lose.
 *
 * Every server of an environment was lost: list its off-site etcd snapshots, restore the newest
 * (or the named one) into new servers, wait for the cluster, and leave the stacks consistent
 * (delivery/restore/restore.ts plans, delivery/restore/restoreCommand.ts carries out; docs/infra.md).
 */
import * as path from "path";
import { environmentsIn, stacksFor } from "../environments/environments";
import { confirmationProblem, terminalConfirm } from "../deploy/confirmation";
import { policyPackOf } from "../deploy/options";
import { STEP_IDS, StepId } from "../restore/restore";
import { bucketSnapshots, cliRestoreOps, restore } from "../restore/restoreCommand";
import { request, targetFromKubeconfig, waitForCluster } from "../../infra/lifecycle/kubeApi";
import { commandLineOr } from "./args";
import { runMain } from "./run";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS_DIR = path.join(ROOT, "stacks");
const FLAGS = {
    yes: { type: "boolean", short: "y" },
    list: { type: "boolean" },
    "even-if-api-answers": { type: "boolean" },
    snapshot: { type: "string" },
    from: { type: "string" },
    "confirm-env": { type: "string" },
} as const;

async function main(): Promise<number> {
    const envs = environmentsIn(STACKS_DIR).map((e) => e.env);
    const usage =
        `usage: npm run restore -- <env> [--snapshot NAME] [--from ${STEP_IDS.join("|")}] [--yes] ` +
        `[--confirm-env <env>] [--even-if-api-answers] [--list]   (environments: ${envs.join(", ")})`;
    const parsed = commandLineOr(process.argv.slice(2), FLAGS, usage);
    if (!parsed) return 2;
    const { values } = parsed;
    const yes = values.yes ?? false;
    const list = values.list ?? false;
    const evenIfApiAnswers = values["even-if-api-answers"] ?? false;
    const [env, ...extra] = parsed.positionals;
    const from = values.from;
    if (!env || extra.length > 0 || (from !== undefined && !STEP_IDS.includes(from as StepId))) {
        console.error(
            from !== undefined && !STEP_IDS.includes(from as StepId)
                ? `--from ${from}: expected one of ${STEP_IDS.join(", ")}\n${usage}`
                : usage,
        );
        return 2;
    }
    let stacks;
    try {
        stacks = stacksFor(STACKS_DIR, env, "up");
    } catch (err) {
        console.error((err as Error).message);
        return 2;
    }
    const infra = stacks.find((s) => s.layer === "infra");
    if (!infra) {
        console.error(`${env} has no infra stack: nothing to restore.`);
        return 2;
    }
    const confirmEnv = values["confirm-env"];
    const problem = confirmationProblem({
        env,
        action: "restore",
        isTTY: Boolean(process.stdin.isTTY),
        yes,
        confirmEnv,
        previewOnly: list,
    });
    if (problem) {
        console.error(problem);
        return 2;
    }
    return restore({
        env,
        infraStack: infra.stack,
        upperStacks: stacks.filter((s) => s.layer !== "infra").map((s) => s.stack),
        snapshot: values.snapshot,
        from: from as StepId | undefined,
        confirmEnv,
        ops: cliRestoreOps({ workDir: ROOT, env: process.env, policyPack: policyPackOf(ROOT) }),
        listSnapshots: bucketSnapshots,
        apiAnswers: async (kubeconfig) => {
            try {
                return (await request(targetFromKubeconfig(kubeconfig), "GET", "/readyz")).status === 200;
            } catch {
                return false;
            }
        },
        evenIfApiAnswers,
        listOnly: list,
        waitCluster: (kubeconfig, nodes, timeoutSeconds, log) =>
            waitForCluster(targetFromKubeconfig(kubeconfig), nodes, { timeoutMs: timeoutSeconds * 1000, log }),
        confirm: yes ? undefined : terminalConfirm,
        now: () => new Date(),
        log: (line) => console.log(line),
        error: (line) => console.error(line),
    });
}

runMain(main, { stack: true });
