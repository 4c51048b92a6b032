/**
 * The checks a lifetime scenario makes between roll steps, through the VMs themselves: etcd's
 * own view of its members and their health (etcdctl on a server, with the server's etcd client
 * certificate), which server holds the API VIP (keepalived) — it must be a Ready one — and, after
 * a roll, the version every VM runs and the Nodes the API lists.
 */
import * as assert from "node:assert/strict";
import { eventually } from "../../boot/support/suite";
import { isNodeReady, request, KubeTarget } from "../../../infra/lifecycle/kubeApi";
import { nodeBoot, nodeNames } from "./access";
import type { LifetimeCloud } from "./cloud";
import type { EnginePlan, NodeStep } from "./plan";

const ETCDCTL =
    "/opt/k3s-parts/bin/etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/var/lib/rancher/k3s/server/tls/etcd/server-ca.crt " +
    "--cert=/var/lib/rancher/k3s/server/tls/etcd/client.crt --key=/var/lib/rancher/k3s/server/tls/etcd/client.key";

interface MemberList {
    readonly members?: { readonly name?: string; readonly isLearner?: boolean; readonly peerURLs?: string[] }[];
}
interface Health {
    readonly endpoint: string;
    readonly health: boolean;
    readonly error?: string;
}

/** etcd's members and each one's health, as one server sees them (undefined when it cannot say). */
export async function etcdView(cloud: LifetimeCloud): Promise<{ members: string[]; learners: string[]; unhealthy: string[] } | undefined> {
    for (const { vm } of cloud.nodes().filter((n) => n.node.role === "server")) {
        const list = await vm.exec(`${ETCDCTL} member list -w json`, 60);
        if (list.rc !== 0) continue;
        const members = (JSON.parse(list.out) as MemberList).members ?? [];
        const health = await vm.exec(`${ETCDCTL} endpoint health --cluster -w json`, 90);
        // endpoint health exits non-zero when one endpoint is unhealthy, and still prints all.
        let results: Health[];
        try {
            results = JSON.parse(health.out || "[]") as Health[];
        } catch {
            continue;
        }
        return {
            members: members.map((m) => m.name ?? "(unstarted)").sort(),
            learners: members.filter((m) => m.isLearner).map((m) => m.name ?? "(unstarted)"),
            unhealthy: [
                ...results.filter((r) => !r.health).map((r) => `${r.endpoint}: ${r.error ?? "unhealthy"}`),
                ...(results.length < members.length ? [`${members.length - results.length} member(s) gave no answer`] : []),
            ],
        };
    }
    return undefined;
}

/** Waits until etcd has exactly `count` voting members, all healthy; returns their names. */
export async function etcdQuorum(cloud: LifetimeCloud, count: number, timeoutMs = 300_000): Promise<string[]> {
    let last = "no server answered etcdctl";
    try {
        return await eventually(
            `etcd: ${count} healthy voting members`,
            timeoutMs,
            async () => {
                const view = await etcdView(cloud);
                if (!view) return undefined;
                last =
                    `members ${view.members.join(", ") || "none"}; learners ${view.learners.join(", ") || "none"}; ` +
                    `unhealthy ${view.unhealthy.join("; ") || "none"}`;
                return view.members.length === count && view.learners.length === 0 && view.unhealthy.length === 0
                    ? view.members
                    : undefined;
            },
            5000,
        );
    } catch (err) {
        throw new Error(`${(err as Error).message} (last seen: ${last})`);
    }
}

/** Which live servers have `vip` on an interface. */
export async function vipHolders(cloud: LifetimeCloud, vip: string): Promise<{ slot: string; name: string }[]> {
    const servers = cloud.nodes().filter((n) => n.node.role === "server");
    const answers = await Promise.all(servers.map(async (s) => ({ s, out: (await s.vm.exec(`ip -4 -o addr show to ${vip}/32`, 30)).out })));
    return answers.filter((a) => a.out.includes(vip)).map((a) => ({ slot: a.s.slot, name: a.s.node.name }));
}

/** Waits until exactly one server holds the VIP and its Node is Ready; returns its slot. */
export async function vipOnReadyServer(cloud: LifetimeCloud, target: KubeTarget, vip: string, timeoutMs = 180_000): Promise<string> {
    let last = "";
    try {
        return await eventually(
            `the VIP ${vip} held by exactly one Ready server`,
            timeoutMs,
            async () => {
                const holders = await vipHolders(cloud, vip);
                last = holders.map((h) => h.slot).join(", ") || "nobody";
                if (holders.length !== 1) return undefined;
                const res = await request(target, "GET", `/api/v1/nodes/${holders[0].name}`).catch(() => undefined);
                if (res?.status !== 200) return undefined;
                return isNodeReady(JSON.parse(res.body) as Parameters<typeof isNodeReady>[0]) ? holders[0].slot : undefined;
            },
            3000,
        );
    } catch (err) {
        throw new Error(`${(err as Error).message} (held by: ${last})`);
    }
}

/**
 * How the Secret `name` (default namespace) is stored in etcd, as a server sees it: its value's
 * prefix (`k8s:enc:aescbc:v1:` when kube-apiserver encrypted it with k3s' default provider).
 */
export async function secretAtRest(cloud: LifetimeCloud, name: string): Promise<string> {
    for (const { vm } of cloud.nodes().filter((n) => n.node.role === "server")) {
        const got = await vm.exec(`${ETCDCTL} get /registry/secrets/default/${name} --print-value-only | head -c 18`, 60);
        if (got.rc === 0 && got.out.length > 0) return got.out;
    }
    throw new Error(`no server could read /registry/secrets/default/${name} from etcd`);
}

/** After a roll to `version` by `plan`: every VM runs that k3s, and the Nodes are exactly the plan's new names. */
export async function rolledTo(cloud: LifetimeCloud, target: KubeTarget, plan: EnginePlan, version: string): Promise<void> {
    for (const n of cloud.nodes()) {
        const got = await n.vm.sh("/usr/local/bin/k3s --version");
        assert.match(got, new RegExp(`^k3s version ${version.replace("+", "\\+")} `), `${n.slot} runs ${version}`);
    }
    const planned = plan.groups
        .flat()
        .map((g) => g.newName!)
        .sort();
    assert.deepEqual(await nodeNames(target), planned);
}

/**
 * The Node a step's readiness gate passed on must be the new VM's own: never a Node being deleted
 * (the old Node of a replacement under the same name, Ready as it last said, once passed a server's
 * gate here before the new VM had even booted), and within a minute one whose kubelet reports the
 * VM's boot ID. A restored server-0 finds its predecessor's Node in the snapshot, Ready as it was
 * then, until its own kubelet reports: seconds, and logged.
 */
export async function gatePassedOnNewVm(
    cloud: LifetimeCloud,
    target: KubeTarget,
    step: NodeStep,
    log: (line: string) => void,
): Promise<void> {
    const name = step.newName!;
    const booted = (await cloud.vm(step.slot).sh("cat /proc/sys/kernel/random/boot_id")).trim();
    const passed = Date.now();
    const first = await nodeBoot(target, name);
    assert.ok(
        !first?.deleting,
        `${step.slot}: the gate passed on Node ${name} being deleted (boot ${first?.bootId}), not the new VM's (boot ${booted})`,
    );
    if (first?.bootId === booted) return;
    await eventually(
        `Node ${name} to report the new VM's boot ID ${booted}`,
        60_000,
        async () => ((await nodeBoot(target, name))?.bootId === booted ? true : undefined),
        3000,
    );
    const was = first ? `its Node said boot ${first.bootId ?? "unknown"}` : "no Node yet";
    log(`    ${step.slot}: the new VM's kubelet reported ${Math.round((Date.now() - passed) / 1000)} s after its gate passed (${was})`);
}

/** The last lines each live server's snapshot schedule logged (saved, uploaded or why not). */
export async function snapshotLog(cloud: LifetimeCloud, lines = 6): Promise<string> {
    const said = await Promise.all(
        cloud
            .nodes()
            .filter((n) => n.node.role === "server")
            .map(async (n) => {
                const r = await n.vm.exec(`journalctl -u k3s -o cat --no-pager | grep -a 'snapshots: [^{]' | tail -n ${lines}`, 60);
                return `${n.slot}:\n${r.out.trimEnd() || "(nothing)"}`;
            }),
    );
    return said.join("\n");
}
