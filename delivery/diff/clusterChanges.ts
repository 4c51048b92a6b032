/**
 * Irreversible changes to the cluster itself: k3s downgrades and minor jumps, fewer production
 * servers, an SSH key change, a retired backup credential (kinds: irreversibleKinds.ts).
 */
import type { Irreversible, ResourceView } from "./irreversibleKinds";
import { obj, str } from "./resourceInputs";
import { credentialGeneration } from "./backupWarnings";
import { compareK3s, parseK3sVersion } from "../release/versions";

export function k3sVersions(resources: readonly ResourceView[]): string[] {
    return resources
        .map((r) => str(obj(r.inputs.metadata)["k3s-version"]))
        .filter((v): v is string => v !== undefined && parseK3sVersion(v) !== undefined);
}

export function k3sChanges(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const newest = (vs: string[]) => vs.sort((x, y) => compareK3s(parseK3sVersion(y)!, parseK3sVersion(x)!))[0];
    const now = newest(k3sVersions(before));
    const then = newest(k3sVersions(after));
    if (!now || !then) return [];
    const a = parseK3sVersion(now)!;
    const b = parseK3sVersion(then)!;
    if (compareK3s(b, a) < 0)
        return [
            {
                kind: "k3s-downgrade",
                stack,
                message:
                    `k3s ${now} → ${then}: k3s does not support downgrades (datastore migrations only go forward); keep ` +
                    `${now} and roll forward with a fix.`,
            },
        ];
    if (b.major === a.major && b.minor - a.minor > 1) {
        return [
            {
                kind: "k3s-minor-jump",
                stack,
                message:
                    `k3s ${now} → ${then} skips ${b.minor - a.minor - 1} minor version(s): Kubernetes upgrades one minor ` +
                    `at a time; go to v${a.major}.${a.minor + 1} first, then on.`,
            },
        ];
    }
    return [];
}

export function servers(resources: readonly ResourceView[]): number {
    return resources.filter((r) => r.type === "openstack:compute/instance:Instance" && obj(r.inputs.metadata).role === "server").length;
}

/** What etcd's quorum margin becomes going from `a` to `b` members. */
function tolerance(a: number, b: number): string {
    if (b === 1) return "loses HA entirely (one server, no quorum margin)";
    return `tolerates ${Math.floor((b - 1) / 2)} failure(s) instead of ${Math.floor((a - 1) / 2)}`;
}

export function serverCount(stack: string, env: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const a = servers(before);
    const b = servers(after);
    if (!/^prod(uction)?(-.*)?$/.test(env) || b >= a || b === 0) return [];
    return [
        {
            kind: "server-count-decrease",
            stack,
            message: `k3s servers ${a} → ${b} in ${env}: etcd ${tolerance(a, b)}; removed members must leave etcd cleanly, one at a time.`,
        },
    ];
}

export function sshKeys(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const key = (rs: readonly ResourceView[]) =>
        rs
            .filter((r) => r.type === "openstack:compute/keypair:Keypair" && !/ci-runner/.test(r.name))
            .map((r) => str(r.inputs.publicKey))
            .find(Boolean);
    const a = key(before);
    const b = key(after);
    if (!a || !b || a.trim() === b.trim()) return [];
    const nodes = after.filter(
        (r) => r.type === "openstack:compute/instance:Instance" && before.some((x) => x.type === r.type && x.name === r.name),
    ).length;
    return [
        {
            kind: "ssh-key-existing-nodes",
            stack,
            message:
                `the SSH key pair changes, but OpenStack injects a key only when a VM is created: the ${nodes} ` +
                `existing node(s) keep accepting the OLD key (and only it) until each is replaced. To roll it out: ` +
                `add the new key on the nodes first (ssh with the old key, append it to the default user's ` +
                `~/.ssh/authorized_keys), or replace the nodes one at a time (npm run up after a node's image or ` +
                `flavor change, or pulumi up --replace on each node); then remove the old key.`,
        },
    ];
}

export function backupCredentials(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const ec2 = (rs: readonly ResourceView[]) =>
        rs.filter((r) => r.type === "openstack:identity/ec2CredentialV3:Ec2CredentialV3" && credentialGeneration(r.name) !== undefined);
    // Same name with another owner project is a replacement: the old key is deleted all the same.
    const kept = new Set(ec2(after).map((r) => `${r.name} ${str(r.inputs.projectId) ?? ""}`));
    const gone = ec2(before).filter((r) => !kept.has(`${r.name} ${str(r.inputs.projectId) ?? ""}`));
    if (gone.length === 0) return [];
    const successors = ec2(after).filter(
        (r) => !ec2(before).some((b) => b.name === r.name && str(b.inputs.projectId) === str(r.inputs.projectId)),
    );
    const overlap =
        successors.length > 0
            ? `; its successor ${successors.map((r) => r.name).join(", ")} is created in the same plan, so there is no overlap. ` +
              `Keep both generations for one round instead`
            : "";
    return [
        {
            kind: "backup-credential-retired",
            stack,
            message:
                `backup credential ${gone.map((r) => r.name).join(", ")} is deleted in Keystone: a writer still ` +
                `holding it (a server not yet replaced, the apps layer's dump Secrets before that layer's next up) ` +
                `fails from then on${overlap} (docs/security.md, ` +
                `"Who owns the backup credential, and rotating it").`,
        },
    ];
}
