/**
 * Entry point of the lifecycle commands `pulumi up` runs through @pulumi/command:
 *   wait-cluster  wait for /readyz and every node in NODE_NAMES (comma-separated) to be Ready
 *   drain-node    drain NODE_NAME and remove it from the cluster (runs before its VM is deleted)
 * The kubeconfig arrives in KUBECONFIG_DATA (a secret input; relative file paths in it resolve
 * against the working directory); TIMEOUT_SECONDS bounds the wait.
 * PLATFORM_SKIP_DRAIN=1 in the environment of `pulumi up` skips the drain, for replacing a node
 * of a cluster whose API is gone (the command otherwise fails after its timeout).
 */
import { drainNode, targetFromKubeconfig, waitForCluster } from "./kubeApi";

function env(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
}

async function main(action: string | undefined): Promise<void> {
    const target = targetFromKubeconfig(env("KUBECONFIG_DATA"));
    const opts = { timeoutMs: Number(process.env.TIMEOUT_SECONDS ?? "900") * 1000, log: (line: string) => console.log(line) };
    switch (action) {
        case "wait-cluster":
            await waitForCluster(target, env("NODE_NAMES").split(",").filter(Boolean), opts);
            console.log("cluster ready");
            return;
        case "drain-node":
            if (process.env.PLATFORM_SKIP_DRAIN === "1") {
                console.log(`PLATFORM_SKIP_DRAIN=1: not draining ${env("NODE_NAME")}`);
                return;
            }
            // RELEASE_DATA names the annotation a node with a data volume (server-0) answers.
            await drainNode(target, env("NODE_NAME"), { ...opts, releaseData: process.env.RELEASE_DATA || undefined });
            return;
        default:
            throw new Error(`unknown action "${action}"; expected wait-cluster or drain-node`);
    }
}

main(process.argv[2]).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
