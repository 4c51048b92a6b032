/**
 * upgrade-batched (tests/lifetime/batched.lifetime.ts) on the host, no VM: the plan of its
 * environment from the project's synth and offline diff (the server alone, then the pool two at
 * a time; with maxUnavailable 1 one at a time), and the engine stand-in carrying that plan out on
 * a fake VM layer: a batch's two replacements overlap, the next batch begins only after both are
 * Ready, and the pool never has more than maxUnavailable agents down.
 */
import * as assert from "node:assert/strict";
import { rollLines } from "../../delivery/diff/markdown";
import type { SynthResult } from "../../delivery/synth/synth";
import { stackK3sVersion } from "../boot/support/cluster";
import { BATCHED_MAX_UNAVAILABLE, BATCHED_POOL, batchedSpec, oneAtATimeConfig, PoolWatch, poolOf, serversOf } from "./support/batched";
import type { LifetimeCloud } from "./support/cloud";
import { applyPlan, CommandRunner, EngineCloud, StepPhase } from "./support/engine";
import { LifetimeEnvironment } from "./support/environment";
import { EnginePlan, NodeStep, planNodes } from "./support/plan";
import { nextPatch } from "./support/scenario";

/** What LifetimeEnvironment reads of its cloud to synth and render: no mirror, no VM. */
const NO_CLOUD = { run: { mirrorOverrides: () => ({}) }, apiUrl: "https://127.0.0.2:6443" } as unknown as LifetimeCloud;
const steps = (plan: EnginePlan) => plan.groups.map((g) => g.map((s) => `${s.kind} ${s.slot}`));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Roll {
    readonly env: LifetimeEnvironment;
    readonly before: SynthResult;
    readonly after: SynthResult;
    readonly created: EnginePlan;
    readonly rolled: EnginePlan;
}

/** The environment's create and its k3s patch bump, as the lifetime scenario's two `up`s plan them. */
async function roll(maxUnavailable: number): Promise<Roll> {
    const env = new LifetimeEnvironment(batchedSpec(maxUnavailable), NO_CLOUD);
    const from = stackK3sVersion(env.spec.stack);
    const before = await env.synth(env.config(from));
    // What the stack published after the create (the second synth reads it back, as `up` does).
    env.outputs = { clusterId: "0123456789abcdef", apiEndpoint: NO_CLOUD.apiUrl };
    const after = await env.synth(env.config(nextPatch(from)));
    return { env, before, after, created: planNodes(undefined, before), rolled: planNodes(before, after) };
}

describe("lifetime upgrade-batched: the plan of a pool with maxUnavailable 2", function () {
    this.timeout(120_000);
    let batched: Roll;
    let single: Roll;
    before(async () => {
        batched = await roll(BATCHED_MAX_UNAVAILABLE);
        single = await roll(1);
    });

    it(
        "servers one at a time, then the pool's agents [[a, b], [c, " + "d]] (names from the synth), each batch taken from the diff's roll",
        () => {
            const servers = serversOf(batched.before);
            const [a, b, c, d, ...more] = poolOf(batched.before, BATCHED_POOL);
            assert.ok(servers.length >= 1 && d && more.length === 0, "one or more servers and a pool of four");
            const expected = [...servers.map((x) => [x.component]), [a.component, b.component], [c.component, d.component]];
            assert.deepEqual(
                batched.rolled.groups.map((g) => g.map((s) => s.node)),
                expected,
            );
            assert.ok(
                batched.rolled.groups.flat().every((s) => s.kind === "replace" && s.oldName && s.newName && s.oldName !== s.newName),
                "every node replaced by a new one",
            );
            assert.deepEqual(
                batched.rolled.diff.roll?.map((batch) => batch.map((n) => n.name)),
                expected,
                "the groups are the offline diff's roll batches",
            );
            const printed = rollLines(batched.rolled.diff.roll!);
            assert.match(printed[0], new RegExp(`^Roll order: ${servers.length + 4} node\\(s\\) in ${servers.length + 2} batch\\(es\\)`));
            assert.equal(printed.at(-1), `${servers.length + 2}. \`${c.component}\`, \`${d.component}\``);
        },
    );

    it("the create: servers one at a time, then the pool two at a time", () => {
        const [a, b, c, d] = poolOf(batched.before, BATCHED_POOL).map((n) => n.slot);
        assert.deepEqual(steps(batched.created), [
            ...serversOf(batched.before).map((x) => [`create ${x.slot}`]),
            [`create ${a}`, `create ${b}`],
            [`create ${c}`, `create ${d}`],
        ]);
    });

    it("with maxUnavailable 1 the pool's agents are four single batches after the servers", () => {
        const servers = serversOf(single.before).map((x) => [`replace ${x.slot}`]);
        const pool = poolOf(single.before, BATCHED_POOL).map((x) => [`replace ${x.slot}`]);
        assert.equal(pool.length, 4);
        assert.deepEqual(steps(single.rolled), [...servers, ...pool]);
    });

    it("the comparison roll after it (a label more, maxUnavailable 1) replaces only the pool's agents, one at a time", async () => {
        const { env, after } = batched;
        const config = oneAtATimeConfig(env.config(nextPatch(stackK3sVersion(env.spec.stack))));
        const plan = planNodes(after, await env.synth(config));
        assert.deepEqual(
            steps(plan),
            poolOf(after, BATCHED_POOL).map((x) => [`replace ${x.slot}`]),
        );
    });

    it("the engine replaces a batch's two agents together and begins the next batch only after both are Ready", async () => {
        const { env, before, rolled } = batched;
        const pool = poolOf(before, BATCHED_POOL);
        const [a, b, c, d] = pool.map((n) => n.slot);
        const events: string[] = [];
        // The API as the fake sees it: a Node is available from its create gate until its drain.
        const available = new Set([...serversOf(before), ...pool].map((n) => n.name));
        const watch = new PoolWatch(pool, BATCHED_MAX_UNAVAILABLE);
        let aReady!: () => void;
        const aIsReady = new Promise<void>((resolve) => (aReady = resolve));
        const cloud: EngineCloud = {
            async boot(_cluster, slot) {
                events.push(`boot ${slot}`);
                // b's VM comes up only after a is Ready: the next batch must still wait for b.
                if (slot === b) await aIsReady;
                await tick();
            },
            async discard(slot) {
                events.push(`discard ${slot}`);
                await tick();
            },
        };
        const commands: CommandRunner = async (label, _line, environment) => {
            await tick();
            if (label.endsWith(" delete")) available.delete(environment.NODE_NAME);
            if (label.endsWith(" create")) available.add(environment.NODE_NAME);
        };
        const progress = async (step: NodeStep, phase: StepPhase) => {
            events.push(`${step.slot} ${phase}`);
            if (step.slot === a && phase === "ready") aReady();
            if (watch.has(step.slot)) {
                watch.saw(step);
                watch.record(available, `${step.slot} ${phase}`);
            }
        };
        const between = async (group: readonly NodeStep[]) => {
            events.push(`between ${group.map((g) => g.slot).join(", ")}`);
        };
        await applyPlan(
            { cloud, commands, progress, between, kubeconfig: "", log: () => {}, step: () => {} },
            rolled,
            env.render(env.config(nextPatch(stackK3sVersion(env.spec.stack)))),
        );
        const at = (event: string) => {
            const i = events.indexOf(event);
            assert.ok(i >= 0, `no event "${event}" in ${events.join("; ")}`);
            return i;
        };
        const servers = serversOf(before).map((x) => x.slot);
        assert.deepEqual(
            events.filter((e) => e.startsWith("between")),
            [...servers.map((x) => `between ${x}`), `between ${a}, ${b}`, `between ${c}, ${d}`],
        );
        assert.ok(at(`${a} begun`) > at(`between ${servers.at(-1)}`), "the pool after the servers");
        for (const [x, y] of [
            [a, b],
            [c, d],
        ]) {
            assert.ok(at(`${y} begun`) < at(`${x} ready`) && at(`${x} begun`) < at(`${y} ready`), `${x} and ${y} overlap`);
            assert.ok(at(`${y} drained`) < at(`${x} booted`), `both drained before ${x}'s new VM (two down at once)`);
        }
        for (const x of [c, d]) {
            assert.ok(at(`${x} begun`) > at(`${a} ready`) && at(`${x} begun`) > at(`${b} ready`), `${x} after ${a} and ${b} are Ready`);
            assert.ok(at(`${x} begun`) > at(`between ${a}, ${b}`), `${x} after the checks between the batches`);
        }
        assert.equal(watch.worst.count, BATCHED_MAX_UNAVAILABLE, "a batch takes maxUnavailable agents down at once, and never more");
    });
});

describe("lifetime upgrade-batched: the pool's unavailability as the API shows it", () => {
    const slots = ["agent-0", "agent-1", "agent-2"].map((slot) => ({ component: `c-${slot}`, slot, name: `${slot}-old` }));

    it("a slot counts as available while its old or, once seen, its new Node is Ready; more than maxUnavailable down throws", () => {
        const watch = new PoolWatch(slots, 1);
        assert.deepEqual(watch.record(new Set(["agent-0-old", "agent-1-old", "agent-2-old"]), "start"), []);
        assert.deepEqual(watch.record(new Set(["agent-1-old", "agent-2-old"]), "agent-0 drained"), ["agent-0"]);
        watch.saw({ kind: "replace", node: "c-agent-0", slot: "agent-0", newName: "agent-0-new", volumes: [] });
        assert.deepEqual(watch.record(new Set(["agent-0-new", "agent-1-old", "agent-2-old"]), "agent-0 ready"), []);
        assert.throws(
            () => watch.record(new Set(["agent-0-new"]), "too many"),
            /2 of the pool's agents unavailable at once.*maxUnavailable 1/,
        );
        assert.deepEqual(watch.worst, { count: 2, at: "too many" });
    });
});
