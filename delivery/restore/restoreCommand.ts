/**
 * `npm run restore -- <env>`, carried out: read the infra stack's backup store (config and
 * outputs), list the off-site etcd snapshots, choose one, say what is lost, ask, then run the
 * steps restore.ts plans, each printed. A failed step stops the run with what was done and the
 * command that continues it. Pulumi, the bucket and the readiness wait are injected (RestoreOps),
 * so the whole sequence runs in tests against a stand-in `pulumi`.
 */
import { backupPrefixes } from "../../lib/contracts";
import { DEFAULT_ETCD_SNAPSHOT_SCHEDULE } from "../../infra/etcdS3";
import {
    chooseSnapshot,
    continueCommand,
    lossText,
    restoreSteps,
    RestoreStep,
    serverInstanceUrns,
    SKIP_DRAIN,
    SKIP_DRAIN_MODE,
    Snapshot,
    snapshotTable,
    STEP_IDS,
    StepId,
} from "./restore";
import { StateResource, urnParts } from "../deploy/pulumiCli";
import type { S3Access } from "./s3List";
import type { RestoreOps } from "./restoreOps";
import { backupStoreOf } from "./backupStoreAccess";
import type { Log } from "../deploy/runner";

// The Pulumi side and the bucket have files of their own; importers of this one keep working.
export { cliRestoreOps, parseConfigJson } from "./restoreOps";
export type { RestoreOps } from "./restoreOps";
export { backupStoreOf, bucketSnapshots } from "./backupStoreAccess";

export interface RestoreRequest {
    readonly env: string;
    readonly infraStack: string;
    readonly upperStacks: readonly string[];
    /** Restore this one; the newest when undefined. */
    readonly snapshot?: string;
    /** Continue a stopped restore at this step. */
    readonly from?: StepId;
    /** Given back in the continue command (production environments need it). */
    readonly confirmEnv?: string;
    readonly ops: RestoreOps;
    readonly listSnapshots: (store: S3Access, folder: string) => Promise<Snapshot[]>;
    readonly waitCluster: (kubeconfig: string, nodes: string[], timeoutSeconds: number, log: Log) => Promise<void>;
    /** Asks before changing anything; undefined: --yes. */
    readonly confirm?: (question: string) => Promise<boolean>;
    /** True when the environment's API answers /readyz with this kubeconfig (then not every server is lost). */
    readonly apiAnswers: (kubeconfig: string) => Promise<boolean>;
    /** Restore although the API answers (roll a live cluster back to the snapshot). */
    readonly evenIfApiAnswers?: boolean;
    /** Only list the snapshots and what a restore would lose; change nothing. */
    readonly listOnly?: boolean;
    readonly now: () => Date;
    readonly log: Log;
    readonly error: Log;
}

const RESTORE_KEY = "restoreFromSnapshot";

export async function restore(req: RestoreRequest): Promise<number> {
    const infra = req.infraStack;
    const stop = (why: string) => {
        req.error(`${why}\nNothing was changed.`);
        return 1;
    };
    let config: Record<string, unknown>;
    let outputs: Record<string, unknown>;
    let resources: StateResource[];
    try {
        [config, outputs, resources] = [await req.ops.config(infra), await req.ops.outputs(infra), await req.ops.resources(infra)];
    } catch (err) {
        return stop((err as Error).message);
    }
    const store = backupStoreOf(config, outputs);
    if ("problem" in store) return stop(`${infra}: ${store.problem}`);
    const environment = typeof outputs.environment === "string" ? outputs.environment : req.env;
    const folder = backupPrefixes(environment).etcd;
    const where = `s3://${store.access.bucket}/${folder}/ at ${store.access.endpoint}`;
    let snapshots: Snapshot[];
    try {
        snapshots = await req.listSnapshots(store.access, folder);
    } catch (err) {
        return stop(`Could not list the snapshots in ${where}: ${(err as Error).message}`);
    }
    const choice = chooseSnapshot(snapshots, where, req.snapshot);
    if ("problem" in choice) return stop(choice.problem);
    const snapshot = choice.snapshot;
    const now = req.now();
    req.log(`Off-site etcd snapshots of ${req.env} (${where}), newest first:\n${snapshotTable(snapshots, now, snapshot.name)}\n`);
    req.log(`Restoring ${snapshot.name}${req.snapshot ? "" : " (the newest; --snapshot NAME picks another)"}.`);
    req.log(
        lossText(
            snapshot,
            now,
            typeof config.etcdSnapshotSchedule === "string" ? config.etcdSnapshotSchedule : DEFAULT_ETCD_SNAPSHOT_SCHEDULE,
        ),
    );
    if (req.listOnly) return 0;
    // A fresh restore is for a control plane that is gone; a continuation may find the restored one up.
    if (!req.from && !req.evenIfApiAnswers && typeof outputs.kubeconfig === "string" && (await req.apiAnswers(outputs.kubeconfig))) {
        return stop(
            `The API of ${req.env} answers: not every server is lost, and a restore ` +
                `would replace all of them and roll the cluster back to ${snapshot.name}. ` +
                `A lost HA server is replaced by itself (pulumi up -s ${infra} --replace <its URN>). To roll a live ` +
                `cluster back on purpose, add --even-if-api-answers.`,
        );
    }

    const serverUrns = serverInstanceUrns(resources);
    if (serverUrns.length === 0)
        return stop(
            `${infra} holds no servers in its state: there is nothing to restore into. ` +
                `A new environment is made with npm run up -- ${req.env}.`,
        );
    const current = config[RESTORE_KEY];
    if (
        req.from &&
        STEP_IDS.indexOf(req.from) > 0 &&
        STEP_IDS.indexOf(req.from) <= STEP_IDS.indexOf("replace") &&
        current !== snapshot.name
    ) {
        return stop(
            `--from ${req.from} needs ${RESTORE_KEY}=${snapshot.name} on ${infra}, which has ` +
                `${current ? `${RESTORE_KEY}=${String(current)}` : `no ${RESTORE_KEY}`}: continue with --from config.`,
        );
    }
    if (!req.from && typeof current === "string" && current !== "")
        req.log(
            `Note: ${infra} already has ${RESTORE_KEY}=${current} (an earlier ` +
                `restore that did not finish?); it is set to ${snapshot.name}.`,
        );

    const steps = restoreSteps({ infraStack: infra, upperStacks: req.upperStacks, snapshot: snapshot.name, serverUrns });
    const first = req.from ? steps.findIndex((s) => s.id === req.from) : 0;
    req.log(`\nSteps${first > 0 ? ` (continuing at ${steps[first].id})` : ""}:`);
    steps.forEach((s, i) => req.log(`  ${i + 1}. ${i < first ? "(done) " : ""}${s.id}: ${s.title}\n       $ ${s.manual}`));
    if (
        req.confirm &&
        !(await req.confirm(
            `\nRestore ${req.env} from ${snapshot.name}, replacing ` +
                `${serverUrns.length} server${serverUrns.length === 1 ? "" : "s"}? [y/N] `,
        ))
    ) {
        req.error("Cancelled. Nothing was changed.");
        return 1;
    }

    const started = now.getTime();
    const done: StepId[] = [];
    for (const [i, step] of steps.entries()) {
        if (i < first) continue;
        req.log(`\n[${i + 1}/${steps.length}] ${step.id}: ${step.title}\n  $ ${step.manual}`);
        try {
            await runStep(req, step, { config, snapshot: snapshot.name, serverUrns });
        } catch (err) {
            req.error(
                [
                    `\nRestore stopped at step ${i + 1}/${steps.length} (${step.id}):`,
                    ...(err as Error).message
                        .trimEnd()
                        .split("\n")
                        .slice(-25)
                        .map((l) => `    ${l}`),
                    done.length ? `Done in this run: ${done.join(", ")}.` : "Nothing was done in this run.",
                    STEP_ADVICE[step.id],
                    `To continue once the cause is fixed:\n    ${continueCommand(req.env, snapshot.name, step.id, req.confirmEnv)}`,
                    `(the step by hand: ${step.manual})`,
                ].join("\n"),
            );
            return 1;
        }
        done.push(step.id);
        req.log(`[${i + 1}/${steps.length}] ${step.id}: done`);
    }
    const seconds = Math.round((req.now().getTime() - started) / 1000);
    req.log(
        `\n${req.env} restored from ${snapshot.name} in ${seconds} s; ${infra} is consistent again (no ${RESTORE_KEY}, server-0 joins).`,
    );
    req.log(
        `Next: npm run up -- ${req.env} puts back what the cluster and apps layers made after the snapshot ` +
            `(their stacks were refreshed, so up sees it missing).`,
    );
    return 0;
}

const STEP_ADVICE: Record<StepId, string> = {
    config: "Nothing in the cloud was touched.",
    replace:
        "Continuing replaces every server again: server-0 restores the same snapshot once more (the restore " +
        "had not finished, so nothing written since is lost by that).",
    wait:
        "The servers were replaced. Look at server-0 first: its console log (cloud-init, k3s-bootstrap) and " +
        "`journalctl -u k3s` say whether the reset found the snapshot and the token.",
    clear: `The cluster is restored; only the one-shot config is left to remove.`,
    settle: `The cluster is restored and ${RESTORE_KEY} removed; only server-0's metadata is not back to join yet.`,
    refresh: "The cluster and the infra stack are restored; the upper stacks' state may still list objects the snapshot lacks.",
};

async function runStep(
    req: RestoreRequest,
    step: RestoreStep,
    ctx: { config: Record<string, unknown>; snapshot: string; serverUrns: readonly string[] },
): Promise<void> {
    const infra = req.infraStack;
    const stream = (stack: string) => (line: string) => req.log(`  ${stack} | ${line}`);
    switch (step.id) {
        case "config":
            return req.ops.configSet(infra, RESTORE_KEY, ctx.snapshot);
        case "replace":
            // The old servers' drains would wait for an API that is gone, for this run only;
            // their Nodes are deleted once the restored API answers (the replacements reuse the names).
            return req.ops.up(infra, ctx.serverUrns, { [SKIP_DRAIN]: SKIP_DRAIN_MODE }, stream(infra));
        case "wait": {
            const outputs = await req.ops.outputs(infra);
            const nodes = Array.isArray(outputs.nodes) ? (outputs.nodes as { name?: unknown }[]).map((n) => String(n.name)) : [];
            if (typeof outputs.kubeconfig !== "string" || nodes.length === 0)
                throw new Error(`${infra} has no kubeconfig or nodes output to wait with`);
            const minutes = Number(ctx.config.readinessTimeoutMinutes ?? 20);
            return req.waitCluster(outputs.kubeconfig, nodes, (Number.isFinite(minutes) ? minutes : 20) * 60, (line) =>
                req.log(`  wait | ${line}`),
            );
        }
        case "clear":
            return req.ops.configRm(infra, RESTORE_KEY);
        case "settle": {
            // Only server-0's metadata should change now; a VM that would go is not this restore's.
            const going = (await req.ops.preview(infra)).filter(
                (st) => urnParts(st.urn).type === "openstack:compute/instance:Instance" && !["same", "update"].includes(st.op),
            );
            if (going.length > 0) {
                throw new Error(
                    `the final up would ` +
                        `${[...new Set(going.map((st) => `${st.op} ${urnParts(st.urn).name}`))].join(", ")}: not applied. ` +
                        `See pulumi preview --stack ${infra} (the checkout or the config changed since the restore?).`,
                );
            }
            return req.ops.up(infra, [], {}, stream(infra));
        }
        case "refresh":
            for (const stack of req.upperStacks) await req.ops.refresh(stack, stream(stack));
            return;
    }
}
