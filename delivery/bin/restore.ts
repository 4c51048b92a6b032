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
import { confirmationProblem, terminalConfirm } from "../deploy/cli";
import { policyPackOf } from "../deploy/options";
import { STEP_IDS, StepId } from "../restore/restore";
import { bucketSnapshots, cliRestoreOps, restore } from "../restore/restoreCommand";
import { request, targetFromKubeconfig, waitForCluster } from "../../infra/lifecycle/kubeApi";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS_DIR = path.join(ROOT, "stacks");

async function main(): Promise<number> {
    const envs = environmentsIn(STACKS_DIR).map((e) => e.env);
    const usage = `usage: npm run restore -- <env> [--snapshot NAME] [--from ${STEP_IDS.join("|")}] [--yes] [--confirm-env <env>] [--even-if-api-answers] [--list]   (environments: ${envs.join(", ")})`;
    const positional: string[] = [];
    const values = new Map<string, string>();
    let yes = false;
    let list = false;
    let evenIfApiAnswers = false;
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i++) {
        const [name, inline] =
            argv[i].startsWith("--") && argv[i].includes("=")
                ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
                : [argv[i], undefined];
        if (name === "--yes" || name === "-y") yes = true;
        else if (name === "--list") list = true;
        else if (name === "--even-if-api-answers") evenIfApiAnswers = true;
        else if (["--snapshot", "--from", "--confirm-env"].includes(name)) {
            const v = inline ?? argv[++i];
            if (!v || v.startsWith("-")) {
                console.error(`${name} needs a value\n${usage}`);
                return 2;
            }
            values.set(name, v);
        } else if (name.startsWith("-")) {
            console.error(`unknown option ${name}\n${usage}`);
            return 2;
        } else positional.push(name);
    }
    const [env, ...extra] = positional;
    const from = values.get("--from");
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
    const confirmEnv = values.get("--confirm-env");
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
        snapshot: values.get("--snapshot"),
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

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof Error ? (err.stack ?? err.message) : err);
        process.exit(1);
    },
);
