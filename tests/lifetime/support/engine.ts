/**
 * ENGINE STAND-IN (lifetime suite only): carries out a plan (plan.ts, from the project's offline
 * diff) on the suite's VMs the way `pulumi up` would: a create boots the VM from the new
 * render's user-data and runs the synth's lifecycle `create` command (the readiness gate); a
 * replacement is delete-before-replace: the old node's lifecycle `delete` command (drain), the
 * VM discarded, the replacement booted, its `create` command; a delete drains and discards.
 * The commands are the synth's own command lines and environment, run on the host from the
 * repository root, with KUBECONFIG_DATA pointed at the host-side address of the API (the
 * synth's is a placeholder). Nothing here reimplements a lifecycle command.
 *
 * A group of the plan is one of the diff's roll batches (or a create level): its steps run
 * concurrently, each its own delete → boot → create, as `pulumi up` runs resources with no
 * dependsOn between them in parallel; the next group starts once every step of this one is done
 * (each new node's `create` gate passed) and the scenario's checks between groups passed.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BootCluster } from "../../boot/support/cluster";
import type { VolumeRole } from "./cloud";
import type { CommandLine, EnginePlan, NodeStep } from "./plan";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** What the engine needs of the cloud stand-in (LifetimeCloud; a fake in the host tests). */
export interface EngineCloud {
    boot(cluster: BootCluster, slot: string, opts: { bootstrap?: string; volumes?: readonly VolumeRole[] }): Promise<unknown>;
    discard(slot: string): Promise<void>;
}

/** Where a step is: begun, old node drained (its `delete` ran), old VM gone, new VM booted, new node's `create` gate passed. */
export type StepPhase = "begun" | "drained" | "deleted" | "booted" | "ready";

/** Runs one of the synth's command lines; `runCommand` below, a fake in the host tests. */
export type CommandRunner = (label: string, line: string, environment: Record<string, string>) => Promise<void>;

export interface EngineContext {
    readonly cloud: EngineCloud;
    /** The admin kubeconfig pointed at the host-side API address. */
    readonly kubeconfig: string;
    readonly log: (line: string) => void;
    /** Names the step under way (the scenario reports it when it fails). */
    readonly step: (what: string) => void;
    /**
     * The harness forcing an old behaviour on a new VM (negative cases): its bootstrap, its
     * volumes. Never set by a scenario that must pass.
     */
    readonly force?: { readonly bootstrap?: string; readonly volumes?: readonly VolumeRole[] };
    /** Added to the lifecycle commands' environment (what `VAR=x pulumi up` passes on). */
    readonly environment?: Record<string, string>;
    /** Runs after each group of the plan (the checks a scenario makes between roll steps). */
    readonly between?: (group: readonly NodeStep[]) => Promise<void>;
    /**
     * Runs as each step reaches a phase, while the other steps of its group go on (the checks a
     * scenario makes between the steps of a batch); awaited before that step goes on.
     */
    readonly progress?: (step: NodeStep, phase: StepPhase) => Promise<void>;
    /** Runs the lifecycle command lines (default: on the host, `runCommand`). */
    readonly commands?: CommandRunner;
}

/** The lifecycle commands under way (each `sh -c` the root of a tree: sh → npx → tsx → node). */
const running = new Set<number>();

/** Processes and all their descendants, from one read of /proc (the suite runs on Linux hosts only: QEMU). */
function processTrees(roots: readonly number[]): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            // The fields after the command's closing parenthesis: state, ppid, …
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
        } catch {
            // Exited while the list was read.
        }
    }
    const trees = [...roots];
    for (let i = 0; i < trees.length; i++) trees.push(...(children.get(trees[i]) ?? []));
    return trees;
}

/**
 * Stops every lifecycle command still under way, with its whole process tree: a scenario that
 * ran out of time must not leave a readiness gate polling the next scenario's API.
 */
export function stopRunningCommands(): number {
    const roots = [...running];
    for (const pid of roots.length ? processTrees(roots) : []) {
        try {
            process.kill(pid, "SIGTERM");
        } catch {
            // Already gone.
        }
    }
    running.clear();
    return roots.length;
}

/** Runs one of the synth's command lines (`create` or `delete`) on the host. */
export function runCommand(ctx: EngineContext, label: string, line: string, environment: Record<string, string>): Promise<void> {
    const env = { ...process.env, ...environment, ...ctx.environment, KUBECONFIG_DATA: ctx.kubeconfig };
    return new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", line], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        if (child.pid !== undefined) running.add(child.pid);
        let tail = "";
        const take = (chunk: Buffer) => {
            const text = chunk.toString();
            tail = (tail + text).slice(-2000);
            for (const l of text.split("\n").filter(Boolean)) ctx.log(`      ${label}: ${l}`);
        };
        child.stdout.on("data", take);
        child.stderr.on("data", take);
        child.on("error", reject);
        child.on("exit", (code, signal) => {
            if (child.pid !== undefined) running.delete(child.pid);
            return code === 0
                ? resolve()
                : reject(new Error(`${label}: \`${line}\` exited ${code ?? signal}: ${tail.trim().split("\n").slice(-3).join(" | ")}`));
        });
    });
}

async function lifecycle(ctx: EngineContext, step: NodeStep, action: "create" | "delete", cmd: CommandLine | undefined): Promise<void> {
    const line = cmd?.[action];
    if (!line) return;
    ctx.step(`${step.slot}: lifecycle ${action} (${line.split(" ").slice(-1)[0]})`);
    await run(ctx)(`${step.slot} ${action}`, line, cmd.environment);
}

const run = (ctx: EngineContext): CommandRunner => ctx.commands ?? ((label, line, env) => runCommand(ctx, label, line, env));

async function bootNew(ctx: EngineContext, step: NodeStep, after: BootCluster): Promise<void> {
    const rendered = after.nodes.find((n) => n.key === step.slot);
    if (!rendered) throw new Error(`the new render has no node ${step.slot}`);
    // The synth and the render must describe the same VM (same config, same naming).
    if (step.newName && rendered.name !== step.newName)
        throw new Error(`${step.slot}: the synth names the VM ${step.newName}, the render ${rendered.name}`);
    ctx.step(`${step.slot}: boot ${rendered.name}`);
    const bootstrap = ctx.force?.bootstrap ?? step.bootstrap;
    const volumes = ctx.force?.volumes ?? (step.volumes as VolumeRole[]);
    await ctx.cloud.boot(after, step.slot, { bootstrap, volumes });
}

async function carryOut(ctx: EngineContext, step: NodeStep, after: BootCluster): Promise<void> {
    const reached = (phase: StepPhase) => ctx.progress?.(step, phase);
    await reached("begun");
    if (step.kind !== "create") {
        await lifecycle(ctx, step, "delete", step.oldLifecycle);
        await reached("drained");
        ctx.step(`${step.slot}: delete the VM ${step.oldName}`);
        await ctx.cloud.discard(step.slot);
        await reached("deleted");
    }
    if (step.kind === "delete") return;
    await bootNew(ctx, step, after);
    await reached("booted");
    await lifecycle(ctx, step, "create", step.newLifecycle);
    await reached("ready");
}

/** Applies `plan`: groups in order, the steps of a group together; then the cluster gates. */
export async function applyPlan(ctx: EngineContext, plan: EnginePlan, after: BootCluster): Promise<void> {
    for (const group of plan.groups) {
        await Promise.all(group.map((step) => carryOut(ctx, step, after)));
        await ctx.between?.(group);
    }
    for (const gate of plan.gates) {
        if (!gate.create) continue;
        ctx.step(`cluster gate (${gate.create.split(" ").slice(-1)[0]})`);
        await run(ctx)("gate", gate.create, gate.environment);
    }
}
