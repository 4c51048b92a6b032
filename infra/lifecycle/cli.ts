/**
 * Entry point of the lifecycle commands `pulumi up` runs through @pulumi/command:
 *   wait-cluster  wait for /readyz and every node in NODE_NAMES (comma-separated) to be Ready
 *   drain-node    drain NODE_NAME and remove it from the cluster (runs before its VM is deleted);
 *                 KEEP_ETCD_MEMBER=1 keeps its etcd member (a single server's reused datastore)
 * The kubeconfig arrives in KUBECONFIG_DATA (a secret input; relative file paths in it resolve
 * against the working directory); TIMEOUT_SECONDS bounds the wait; TASK_GRACE_SECONDS is how long a
 * drain lets running Airflow task pods finish before it evicts them (drainPolicy.ts).
 * Each step of a node (cordoned, drained, deleted; registered, Ready) is printed as a
 * `node-progress` line with the time since the command began: `up` ends with a table of them.
 * PLATFORM_SKIP_DRAIN=1 in the environment of `pulumi up` skips the drain, for replacing a node
 * of a cluster whose API is gone (the command otherwise fails after its timeout).
 * PLATFORM_SKIP_DRAIN=forget (what `npm run restore` sets): no drain either, but where an API
 * answers the dead node's Node is deleted, so its replacement registers under the same name
 * (forget.ts); a node whose etcd member is reused (KEEP_ETCD_MEMBER=1) keeps its Node.
 */
import { targetFromKubeconfig, waitForCluster } from "./kubeApi";
import { drainNode } from "./drain";
import { renderDrainReport } from "./drainPolicy";
import { progressLine } from "../../lib/nodeProgress";
import { forgetNode } from "./forget";

function env(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
}

async function main(action: string | undefined): Promise<void> {
    const target = targetFromKubeconfig(env("KUBECONFIG_DATA"));
    const started = Date.now();
    const step = (node: string) => (s: Parameters<typeof progressLine>[1]) => console.log(progressLine(node, s, Date.now() - started));
    const opts = { timeoutMs: Number(process.env.TIMEOUT_SECONDS ?? "900") * 1000, log: (line: string) => console.log(line) };
    switch (action) {
        case "wait-cluster":
            await waitForCluster(target, env("NODE_NAMES").split(",").filter(Boolean), { ...opts, progress: (node, s) => step(node)(s) });
            console.log("cluster ready");
            return;
        case "drain-node":
            if (process.env.PLATFORM_SKIP_DRAIN === "1") {
                console.log(`PLATFORM_SKIP_DRAIN=1: not draining ${env("NODE_NAME")}`);
                return;
            }
            if (process.env.PLATFORM_SKIP_DRAIN === "forget") {
                if (process.env.KEEP_ETCD_MEMBER === "1")
                    console.log(`PLATFORM_SKIP_DRAIN=forget: not draining ${env("NODE_NAME")}; its Node stays (its etcd member is reused)`);
                else await forgetNode(target, env("NODE_NAME"), opts);
                return;
            }
            // RELEASE_DATA names the annotation a node with a data volume (server-0) answers.
            // KEEP_ETCD_MEMBER=1: a single server whose replacement reuses its datastore volume.
            const report = await drainNode(target, env("NODE_NAME"), {
                ...opts,
                releaseData: process.env.RELEASE_DATA || undefined,
                keepEtcdMember: process.env.KEEP_ETCD_MEMBER === "1",
                taskGraceMs: Number(process.env.TASK_GRACE_SECONDS ?? "0") * 1000,
                progress: step(env("NODE_NAME")),
            });
            console.log(renderDrainReport(report));
            return;
        default:
            throw new Error(`unknown action "${action}"; expected wait-cluster or drain-node`);
    }
}

main(process.argv[2]).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
