/**
 * `npm run restore`, the planning half (pure): which off-site etcd snapshots exist, which one is
 * restored, what is lost, and the steps that bring an environment whose every server was lost
 * back from it. restoreCommand.ts carries the steps out.
 */
import { checkSnapshotName } from "../../infra/bootstrap";
import type { StateResource } from "../deploy/pulumiCli";

export interface Snapshot {
    /** The object's name inside the folder: what `restoreFromSnapshot` and k3s take. */
    readonly name: string;
    readonly key: string;
    /** When k3s took it: the unix time k3s puts at the end of the name. */
    readonly takenAt: Date;
    readonly size: number;
}

/**
 * A snapshot from one object key, or undefined for anything else in the folder (k3s' own
 * `.metadata/` objects, subfolders, other files). k3s names them
 * `<etcd-snapshot-name>-<node>-<unix time>`, with `.zip` when compressed.
 */
export function snapshotFromObject(key: string, folder: string, size: number): Snapshot | undefined {
    const prefix = folder ? `${folder.replace(/\/+$/, "")}/` : "";
    if (!key.startsWith(prefix)) return undefined;
    const name = key.slice(prefix.length);
    const m = /-(\d{9,11})(\.zip)?$/.exec(name);
    if (!m || name.includes("/") || checkSnapshotName(name)) return undefined;
    return { name, key, takenAt: new Date(Number(m[1]) * 1000), size };
}

export function newestFirst(snapshots: readonly Snapshot[]): Snapshot[] {
    return [...snapshots].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || a.name.localeCompare(b.name));
}

/** The newest snapshot, or the named one; an unknown name is refused with what exists. */
export function chooseSnapshot(snapshots: readonly Snapshot[], where: string, name?: string): { snapshot: Snapshot } | { problem: string } {
    const sorted = newestFirst(snapshots);
    if (sorted.length === 0) {
        return {
            problem:
                `No etcd snapshot in ${where}: there is nothing to restore from. Snapshots appear there on ` +
                `etcdSnapshotSchedule once a cluster with backupStore has run.`,
        };
    }
    if (name === undefined) return { snapshot: sorted[0] };
    const found = sorted.find((s) => s.name === name);
    if (found) return { snapshot: found };
    const listed = sorted.slice(0, 20).map((s) => `  ${s.name}`);
    const more = sorted.length > listed.length ? [`  ... and ${sorted.length - listed.length} older`] : [];
    return { problem: [`--snapshot ${name}: no such snapshot in ${where}. Snapshots there, newest first:`, ...listed, ...more].join("\n") };
}

/** "3 d 4 h", "2 h 5 min", "40 s": an age an operator reads at a glance. */
export function age(ms: number): string {
    const s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d} d ${h} h`;
    if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
    if (m > 0) return `${m} min`;
    return `${s} s`;
}

/** The snapshots as a table, newest first, the chosen one marked. */
export function snapshotTable(snapshots: readonly Snapshot[], now: Date, chosen?: string): string {
    const sorted = newestFirst(snapshots);
    const width = Math.max(...sorted.map((s) => s.name.length), 4);
    const ages = sorted.map((s) => `${age(now.getTime() - s.takenAt.getTime())} ago`);
    const ageWidth = Math.max(...ages.map((a) => a.length), 3);
    const rows = sorted.map(
        (s, i) =>
            `${s.name === chosen ? "->" : "  "} ${s.name.padEnd(width)}  ` +
            `${s.takenAt.toISOString().replace(/\.\d{3}Z$/, "Z")}  ${ages[i].padStart(ageWidth)}  ${kib(s.size)}`,
    );
    return [`   ${"name".padEnd(width)}  ${"taken (UTC)".padEnd(20)}  ${"age".padStart(ageWidth)}  size`, ...rows].join("\n");
}

const kib = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/**
 * The time between two scheduled snapshots for the usual cron shapes: every N hours at minute M,
 * every N minutes, daily, hourly; undefined for anything else.
 */
export function scheduleInterval(cron: string): number | undefined {
    const f = cron.trim().split(/\s+/);
    if (f.length !== 5 || f.slice(2).some((x) => x !== "*")) return undefined;
    const [min, hour] = f;
    const every = (x: string) => (/^\*\/(\d+)$/.exec(x) ? Number(/^\*\/(\d+)$/.exec(x)![1]) : undefined);
    if (/^\d+$/.test(min) && every(hour)) return every(hour)! * 3600_000;
    if (/^\d+$/.test(min) && /^\d+$/.test(hour)) return 24 * 3600_000;
    if (/^\d+$/.test(min) && hour === "*") return 3600_000;
    if (every(min) && hour === "*") return every(min)! * 60_000;
    return undefined;
}

/** What the restore loses, in words: the RPO of this snapshot and of the schedule. */
export function lossText(snapshot: Snapshot, now: Date, schedule: string): string {
    const since = now.getTime() - snapshot.takenAt.getTime();
    const interval = scheduleInterval(schedule);
    const lines = [
        `What is lost: every change to the cluster's state (Kubernetes objects: deployments, secrets, PVC ` +
            `claims, CRs) made after ${snapshot.takenAt.toISOString()}, ${age(since)} ago.`,
        `Snapshots are taken on "${schedule}" ` +
            `(etcdSnapshotSchedule)` +
            `${interval ? `, every ${age(interval)}: the most a restore loses while snapshots run is one interval` : ""}.`,
    ];
    if (interval && since > 2 * interval)
        lines.push(
            `Note: this snapshot is older than two intervals; newer ones are missing (the cluster was down, or ` +
                `uploads failed) or a named older one was chosen.`,
        );
    lines.push(
        "Kept: data on volumes (the NFS volume, Cinder-backed PVs, database " +
            "volumes) and the off-site dumps; agents keep their disks and rejoin.",
    );
    return lines.join("\n");
}

/** The servers in an infra stack's state (their Nova instances), server-0 first. */
export function serverInstanceUrns(resources: readonly StateResource[]): string[] {
    const servers = resources.filter((r) => {
        if (r.type !== "openstack:compute/instance:Instance") return false;
        const role = (r.inputs?.metadata as Record<string, unknown> | undefined)?.role;
        return role !== undefined ? role === "server" : /-server-\d+$/.test(r.urn);
    });
    const index = (urn: string) => Number(/-server-(\d+)$/.exec(urn)?.[1] ?? 1e9);
    return servers.map((r) => r.urn).sort((a, b) => index(a) - index(b) || a.localeCompare(b));
}

export const STEP_IDS = ["config", "replace", "wait", "clear", "settle", "refresh"] as const;
export type StepId = (typeof STEP_IDS)[number];

export interface RestoreStep {
    readonly id: StepId;
    readonly title: string;
    /** The same step by hand. */
    readonly manual: string;
}

export interface RestorePlanInput {
    readonly infraStack: string;
    /** The stacks above infra that exist (cluster, apps): refreshed at the end. */
    readonly upperStacks: readonly string[];
    readonly snapshot: string;
    readonly serverUrns: readonly string[];
}

/** The lifecycle's drain switch; `forget`: no drain, a dead node's Node deleted where an API answers (infra/lifecycle/forget.ts). */
export const SKIP_DRAIN = "PLATFORM_SKIP_DRAIN";
export const SKIP_DRAIN_MODE = "forget";

/** The steps, in order: one-shot config, replace the servers undrained, wait, clear, settle, refresh. */
export function restoreSteps(p: RestorePlanInput): RestoreStep[] {
    const s = `--stack ${p.infraStack}`;
    return [
        {
            id: "config",
            title: `set restoreFromSnapshot=${p.snapshot} on ${p.infraStack} (server-0's metadata becomes restore:${p.snapshot})`,
            manual: `pulumi config set restoreFromSnapshot ${p.snapshot} ${s}`,
        },
        {
            id: "replace",
            title:
                `replace every server (${p.serverUrns.length}) without draining (their API is gone): ` +
                `server-0 restores the snapshot, the others join it`,
            manual: `${SKIP_DRAIN}=${SKIP_DRAIN_MODE} pulumi up ${s} --yes ${p.serverUrns.map((u) => `--replace '${u}'`).join(" ")}`,
        },
        {
            id: "wait",
            title: "wait until the API answers and every node (servers and agents) is Ready",
            manual:
                `npx --no-install tsx infra/lifecycle/cli.ts wait-cluster   ` +
                `(KUBECONFIG_DATA, NODE_NAMES from pulumi stack output ${s})`,
        },
        { id: "clear", title: `remove restoreFromSnapshot from ${p.infraStack}`, manual: `pulumi config rm restoreFromSnapshot ${s}` },
        {
            id: "settle",
            title:
                `pulumi up ${p.infraStack}: server-0's metadata back to join, ` +
                `in place (previewed first: stops if any VM would be replaced)`,
            manual: `pulumi up ${s} --yes`,
        },
        {
            id: "refresh",
            title: p.upperStacks.length
                ? `refresh ${p.upperStacks.join(", ")}: their state forgets objects the snapshot does not have`
                : "refresh the layers above infra (none exist)",
            manual: p.upperStacks.map((u) => `pulumi refresh --stack ${u} --yes`).join(" && ") || "(nothing)",
        },
    ];
}

/** The command that continues a stopped restore at `from` (the same snapshot, the same flags). */
export function continueCommand(env: string, snapshot: string, from: StepId, confirmEnv?: string): string {
    return `npm run restore -- ${env} --snapshot ${snapshot} --from ${from} --yes${confirmEnv ? ` --confirm-env ${confirmEnv}` : ""}`;
}
