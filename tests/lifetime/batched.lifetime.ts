/**
 * A batched roll (`upgrade-batched`): dev's single server and pool default at 4 agents with
 * maxUnavailable 2 (support/batched.ts says why this environment), created by the plan, a marker
 * written through the API, then a k3s patch bump. Its plan (the project's offline diff's roll
 * batches) must be the server alone, then the pool's agents two at a time; the engine stand-in
 * replaces a batch's two agents concurrently. Between every two steps the API must show at most
 * maxUnavailable of the pool unavailable; between batches every node of the batch must be Ready
 * and the marker intact. Per-batch and whole-roll times are printed as upgrade-k3s prints its
 * one-at-a-time roll's.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { stackK3sVersion } from "../boot/support/cluster";
import { eventually } from "../boot/support/suite";
import { clusterId, nodeNames, writeMarker } from "./support/access";
import { availableNodes, BATCHED_MAX_UNAVAILABLE, BATCHED_POOL, batchedSpec, PoolWatch, poolOf, serversOf } from "./support/batched";
import type { StepPhase } from "./support/engine";
import { LifetimeEnvironment } from "./support/environment";
import { lifetimeCloud, stopCloudAfter } from "./support/hooks";
import type { EnginePlan, NodeStep } from "./support/plan";
import { lossOf, nextPatch, scenario } from "./support/scenario";

const MINUTES = 60_000;
const steps = (plan: EnginePlan) => plan.groups.map((g) => g.map((s) => `${s.kind} ${s.slot}`));
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

describe("lifetime: batched roll (one server, a pool of 4 agents with maxUnavailable 2)", function () {
    const spec = batchedSpec();
    const from = stackK3sVersion(spec.stack);
    const to = nextPatch(from);
    let env: LifetimeEnvironment;

    before(async function () {
        this.timeout(30 * MINUTES);
        env = new LifetimeEnvironment(spec, await lifetimeCloud(this, "batched", [from, to]));
    });
    stopCloudAfter(() => env?.cloud);

    // Five nodes created and five replaced, two agents booting at once on 2 shared cores: one
    // emulated server alone took 5–17 min to Ready on this machine (docs/infra.md).
    scenario("upgrade-batched", 180 * MINUTES, async (s) => {
        const created = await env.up(env.config(from), s);
        const servers = serversOf(env.deployed!).map((n) => n.slot);
        const pool = poolOf(env.deployed!, BATCHED_POOL);
        const [a, b, c, d] = pool.map((n) => n.slot);
        assert.equal(pool.length, spec.agents, "the pool has the environment's agents");
        const shape = (kind: string) => [
            ...servers.map((x) => [`${kind} ${x}`]),
            [`${kind} ${a}`, `${kind} ${b}`],
            [`${kind} ${c}`, `${kind} ${d}`],
        ];
        assert.deepEqual(steps(created), shape("create"), "the server, then the pool two at a time");
        s.step("write the marker through the API");
        const marker = randomBytes(12).toString("hex");
        await writeMarker(env.target, marker);
        const id = await clusterId(env.target);

        const watch = new PoolWatch(pool, BATCHED_MAX_UNAVAILABLE);
        /** The API's Ready, schedulable Nodes (a first answer: under TCG the API can miss a 10 s deadline). */
        const available = (what: string) =>
            eventually(`the API's Node list (${what})`, 5 * MINUTES, () => availableNodes(env.target).catch(() => undefined), 5000);
        const began = new Map<string, number>();
        const ready = new Map<string, number>();
        const progress = async (step: NodeStep, phase: StepPhase) => {
            if (phase === "begun") began.set(step.slot, Date.now());
            if (phase === "ready") ready.set(step.slot, Date.now());
            // The single server's replacement takes the only API away: the pool is sampled in its own steps.
            if (!watch.has(step.slot)) return;
            watch.saw(step);
            const down = watch.record(await available(`${step.slot} ${phase}`), `${step.slot} ${phase}`);
            s.log(`      ${step.slot} ${phase}: pool unavailable: ${down.join(", ") || "none"}`);
        };
        const started = Date.now();
        let last = started;
        const times: string[] = [];
        const between = async (group: readonly NodeStep[]) => {
            const label = group.map((g) => g.slot).join(", ");
            const own =
                group.length > 1
                    ? ` (${group.map((g) => `${g.slot} ${seconds(ready.get(g.slot)! - began.get(g.slot)!)}`).join(", ")})`
                    : "";
            times.push(`${label} ${seconds(Date.now() - last)}${own}`);
            s.step(`after ${label}: every node of the batch Ready`);
            const now = await available(`after ${label}`);
            const missing = group.filter((g) => !now.has(g.newName!)).map((g) => g.newName);
            assert.deepEqual(missing, [], `every node of the batch is Ready and schedulable once its gate passed`);
            if (group.some((g) => watch.has(g.slot))) watch.record(now, `after ${label}`);
            // With one server, its replacement takes the API away and the agents' Ready lapses until
            // their kubelets report again: the pool's batches start from every Node Ready.
            s.step(`after ${label}: every Node Ready`);
            await eventually(
                `every Node Ready and schedulable after ${label}`,
                10 * MINUTES,
                async () => {
                    const names = await nodeNames(env.target).catch(() => undefined);
                    const up = await availableNodes(env.target).catch(() => undefined);
                    return names && up && names.every((n) => up.has(n)) ? true : undefined;
                },
                5000,
            );
            s.step(`after ${label}: the marker and the cluster survive`);
            assert.equal(await lossOf(env.target, marker, id), undefined);
            last = Date.now();
        };

        const rolled = await env.up(env.config(to), { ...s, between, progress });
        assert.deepEqual(steps(rolled), shape("replace"), "the server alone, then the pool's agents two at a time");
        s.log(
            `    per batch (drains, new VMs, Ready; each agent's own time in brackets): ${times.join("; ")}; ` +
                `whole roll with the checks ${seconds(Date.now() - started)}`,
        );
        s.log(
            `    pool ${BATCHED_POOL}: at most ${watch.worst.count} of ${pool.length} agents unavailable at once (${watch.worst.at}), ` +
                `${watch.samples} samples from the API, maxUnavailable ${BATCHED_MAX_UNAVAILABLE}`,
        );
        const [first, second] = rolled.groups.slice(servers.length);
        for (const [x, y] of [first, second].map((g) => g.map((st) => st.slot))) {
            assert.ok(began.get(y)! < ready.get(x)! && began.get(x)! < ready.get(y)!, `${x} and ${y} were replaced at the same time`);
        }
        for (const st of second)
            assert.ok(
                first.every((f) => ready.get(f.slot)! <= began.get(st.slot)!),
                `${st.slot} began after the first batch was Ready`,
            );
        for (const n of env.cloud.nodes()) {
            assert.match(
                await n.vm.sh("/usr/local/bin/k3s --version"),
                new RegExp(`^k3s version ${to.replace("+", "\\+")} `),
                `${n.slot} runs ${to}`,
            );
        }
        assert.deepEqual(
            await nodeNames(env.target),
            rolled.groups
                .flat()
                .map((g) => g.newName!)
                .sort(),
        );
    });
});
