/**
 * The delete-time command of a node that is already dead, during a restore: no drain (its pods
 * cannot be evicted from a kubelet that is gone), but when an API answers, the node's Node object
 * is deleted. After a restore the snapshot still holds the dead servers' Nodes; deleting one
 * before its replacement boots makes k3s drop its node-password secret (and its etcd member, if
 * the reset left one), so the new VM registers under the same name with its own password. The
 * pods bound to it are then removed by Kubernetes' pod garbage collector and rescheduled.
 * When no API answers (server-0, before the restore) there is nothing to do.
 */
import { KubeTarget, request, until, WaitOptions } from "./kubeApi";

export async function forgetNode(target: KubeTarget, nodeName: string, opts: WaitOptions): Promise<void> {
    const nodePath = `/api/v1/nodes/${encodeURIComponent(nodeName)}`;
    let outcome = "";
    await until(
        `forget ${nodeName}`,
        async () => {
            let status: number;
            try {
                status = (await request(target, "DELETE", nodePath)).status;
            } catch (err) {
                outcome = `no API answers (${(err as Error).message}): nothing to remove`;
                return undefined;
            }
            if (status === 404) outcome = "not in the cluster: nothing to remove";
            else if (status < 300) outcome = "Node deleted without a drain (k3s drops its node password and etcd member with it)";
            else return `the API to accept the Node's deletion (HTTP ${status})`;
            return undefined;
        },
        opts,
    );
    opts.log?.(`${nodeName}: ${outcome}`);
}
