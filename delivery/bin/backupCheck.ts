/**
 * `npm run backup-check -- <env>`: with the writers' key from the infra stack, checks that the
 * backup store lets them write and read, and lets them delete exactly when
 * `backupStore.pruning` says they prune (delivery/backupCheck/writerCheck.ts; docs/security.md).
 * Leaves at most one small probe object (when the delete is refused; the store expires it).
 */
import * as path from "path";
import { stacksFor } from "../environments/environments";
import { policyPackOf } from "../deploy/options";
import { backupStoreOf, cliRestoreOps } from "../restore/restoreCommand";
import { checkWriter, probeKey, s3Probe } from "../backupCheck/writerCheck";
import { runMain } from "./run";

const ROOT = path.resolve(__dirname, "..", "..");

async function main(): Promise<number> {
    const [env, ...extra] = process.argv.slice(2);
    if (!env || extra.length > 0 || env.startsWith("-")) {
        console.error("usage: npm run backup-check -- <env>");
        return 2;
    }
    const infra = stacksFor(path.join(ROOT, "stacks"), env, "up").find((s) => s.layer === "infra");
    if (!infra) {
        console.error(`${env} has no infra stack`);
        return 2;
    }
    const ops = cliRestoreOps({ workDir: ROOT, env: process.env, policyPack: policyPackOf(ROOT) });
    const [config, outputs] = await Promise.all([ops.config(infra.stack), ops.outputs(infra.stack)]);
    const store = backupStoreOf(config, outputs);
    if ("problem" in store) {
        console.error(store.problem);
        return 1;
    }
    const out = (outputs.backupStore ?? {}) as { pruning?: string };
    const pruning = out.pruning === "store" ? "store" : "writers";
    const generation = (outputs.backupCredentials as { active?: number } | undefined)?.active ?? "given";
    console.log(`${store.access.endpoint}/${store.access.bucket}, pruning "${pruning}", generation ${JSON.stringify(generation)}`);
    const result = await checkWriter(s3Probe(store.access), probeKey(env, new Date()), pruning);
    for (const line of result.lines) console.log(line);
    return result.ok ? 0 : 1;
}

runMain(main);
