/**
 * A roll of an agent pool watched from the API (tests/lifetime/batched.lifetime.ts): at every
 * phase of every step of the pool, the pool's unavailable agents are counted (PoolWatch, never
 * more than maxUnavailable); between groups, the group's new nodes must be Ready and schedulable,
 * then every Node, and the marker and the cluster must be intact. Each step's and each group's
 * time is kept for the report.
 */
import * as assert from "node:assert/strict";
import { eventually } from "../../boot/support/suite";
import { nodeNames } from "./access";
import { availableNodes, PoolWatch, SlotView } from "./batched";
import type { StepPhase } from "./engine";
import type { LifetimeEnvironment } from "./environment";
import type { EnginePlan, NodeStep } from "./plan";
import type { ScenarioContext } from "./scenario";

const MINUTES = 60_000;
export const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export class WatchedRoll {
    readonly watch: PoolWatch;
    /** When each step began and when its new node's gate passed. */
    readonly began = new Map<string, number>();
    readonly ready = new Map<string, number>();
    /** One line per group: its slots and time (each step's own time in brackets when several). */
    readonly groups: string[] = [];
    /** The whole roll with the checks between groups. */
    wholeMs = 0;
    private last = 0;

    constructor(
        private readonly env: LifetimeEnvironment,
        private readonly s: ScenarioContext,
        private readonly pool: readonly SlotView[],
        maxUnavailable: number,
        /** What was lost (the marker, the cluster), or undefined when nothing was. */
        private readonly loss: () => Promise<string | undefined>,
    ) {
        this.watch = new PoolWatch(pool, maxUnavailable);
    }

    /** `pulumi up` of `config` by the engine stand-in, watched. */
    async up(config: Record<string, string>): Promise<EnginePlan> {
        const started = Date.now();
        this.last = started;
        const plan = await this.env.up(config, { ...this.s, between: (g) => this.between(g), progress: (st, p) => this.progress(st, p) });
        this.wholeMs = Date.now() - started;
        return plan;
    }

    /** From the first of the pool's steps beginning to the last of them Ready: the pool's own roll. */
    get poolMs(): number {
        const slots = this.pool.map((p) => p.slot);
        return Math.max(...slots.map((x) => this.ready.get(x)!)) - Math.min(...slots.map((x) => this.began.get(x)!));
    }

    /** The API's Ready, schedulable Nodes (a first answer: under TCG the API can miss a 10 s deadline). */
    private available(what: string): Promise<Set<string>> {
        return eventually(`the API's Node list (${what})`, 5 * MINUTES, () => availableNodes(this.env.target).catch(() => undefined), 5000);
    }

    private async progress(step: NodeStep, phase: StepPhase): Promise<void> {
        if (phase === "begun") this.began.set(step.slot, Date.now());
        if (phase === "ready") this.ready.set(step.slot, Date.now());
        // The single server's replacement takes the only API away: the pool is sampled in its own steps.
        if (!this.watch.has(step.slot)) return;
        this.watch.saw(step);
        const down = this.watch.record(await this.available(`${step.slot} ${phase}`), `${step.slot} ${phase}`);
        this.s.log(`      ${step.slot} ${phase}: pool unavailable: ${down.join(", ") || "none"}`);
    }

    private async between(group: readonly NodeStep[]): Promise<void> {
        const label = group.map((g) => g.slot).join(", ");
        const own =
            group.length > 1
                ? ` (${group.map((g) => `${g.slot} ${seconds(this.ready.get(g.slot)! - this.began.get(g.slot)!)}`).join(", ")})`
                : "";
        this.groups.push(`${label} ${seconds(Date.now() - this.last)}${own}`);
        this.s.step(`after ${label}: every node of the group Ready`);
        const now = await this.available(`after ${label}`);
        const missing = group.filter((g) => !now.has(g.newName!)).map((g) => g.newName);
        assert.deepEqual(missing, [], `every node of the group is Ready and schedulable once its gate passed`);
        if (group.some((g) => this.watch.has(g.slot))) this.watch.record(now, `after ${label}`);
        // With one server, its replacement takes the API away and the agents' Ready lapses until
        // their kubelets report again: the pool's groups start from every Node Ready.
        this.s.step(`after ${label}: every Node Ready`);
        await eventually(
            `every Node Ready and schedulable after ${label}`,
            10 * MINUTES,
            async () => {
                const names = await nodeNames(this.env.target).catch(() => undefined);
                const up = await availableNodes(this.env.target).catch(() => undefined);
                return names && up && names.every((n) => up.has(n)) ? true : undefined;
            },
            5000,
        );
        this.s.step(`after ${label}: the marker and the cluster survive`);
        assert.equal(await this.loss(), undefined);
        // A diagnostic only (where the emulated nodes' CPU went): a VM too busy to answer must not fail the roll.
        this.s.log(await this.env.cloud.cpuTimes().catch((e: unknown) => `      (no CPU times: ${String(e)})`));
        this.last = Date.now();
    }

    /** The report's lines: per group, the whole roll, the most unavailable at once. */
    report(poolName: string): string[] {
        return [
            `per group (drains, new VMs, Ready; each agent's own time in brackets): ${this.groups.join("; ")}; ` +
                `whole roll with the checks ${seconds(this.wholeMs)}`,
            `pool ${poolName}: at most ${this.watch.worst.count} of ${this.pool.length} agents unavailable at once ` +
                `(${this.watch.worst.at}), ${this.watch.samples} samples from the API, maxUnavailable ${this.watch.maxUnavailable}`,
        ];
    }
}
