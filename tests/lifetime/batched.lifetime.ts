/**
 * A batched roll (`upgrade-batched`): dev's single server and pool default at 4 agents with
 * maxUnavailable 2 (support/batched.ts says why this environment), created by the plan, a marker
 * written through the API, then a k3s patch bump. Its plan (the project's offline diff's roll
 * batches) must be the server alone, then the pool's agents two at a time; the engine stand-in
 * replaces a batch's two agents concurrently. Between every two steps the API must show at most
 * maxUnavailable of the pool unavailable; between batches every node of the batch must be Ready
 * and the marker intact (support/poolRoll.ts). Then the same pool rolls one agent at a time, so
 * the batched roll's time is printed beside its one-at-a-time twin, measured in the same run.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { stackK3sVersion } from "../boot/support/cluster";
import { clusterId, nodeLabels, nodeNames, writeMarker } from "./support/access";
import { rolledTo } from "./support/checks";
import { BATCHED_MAX_UNAVAILABLE, BATCHED_POOL, batchedSpec, oneAtATimeConfig, poolOf, ROLL_LABEL, serversOf } from "./support/batched";
import { LifetimeEnvironment } from "./support/environment";
import { lifetimeCloud, stopCloudAfter } from "./support/hooks";
import type { EnginePlan } from "./support/plan";
import { seconds, WatchedRoll } from "./support/poolRoll";
import { lossOf, needs, nextPatch, scenario } from "./support/scenario";

const MINUTES = 60_000;
const steps = (plan: EnginePlan) => plan.groups.map((g) => g.map((s) => `${s.kind} ${s.slot}`));

describe("lifetime: batched roll (one server, a pool of 4 agents with maxUnavailable 2)", function () {
    const spec = batchedSpec();
    const from = stackK3sVersion(spec.stack);
    const to = nextPatch(from);
    let env: LifetimeEnvironment;
    /** What the batched roll left: its pool time, the marker and the cluster ID. */
    let batched: { poolMs: number; marker: string; id: string } | undefined;

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

        const roll = new WatchedRoll(env, s, pool, BATCHED_MAX_UNAVAILABLE, () => lossOf(env.target, marker, id));
        const rolled = await roll.up(env.config(to));
        assert.deepEqual(steps(rolled), shape("replace"), "the server alone, then the pool's agents two at a time");
        for (const line of roll.report(BATCHED_POOL)) s.log(`    ${line}`);
        const { began, ready } = roll;
        const [first, second] = rolled.groups.slice(servers.length);
        for (const [x, y] of [first, second].map((g) => g.map((st) => st.slot))) {
            assert.ok(began.get(y)! < ready.get(x)! && began.get(x)! < ready.get(y)!, `${x} and ${y} were replaced at the same time`);
        }
        for (const st of second)
            assert.ok(
                first.every((f) => ready.get(f.slot)! <= began.get(st.slot)!),
                `${st.slot} began after the first batch was Ready`,
            );
        await rolledTo(env.cloud, env.target, rolled, to);
        batched = { poolMs: roll.poolMs, marker, id };
    });

    // The same pool rolled one agent at a time (maxUnavailable 1), on the same machine in the same
    // run, so the batched roll's time has its one-at-a-time twin beside it. A label of the pool
    // changes the agents' user-data (k3s node-label), so the agents alone are replaced.
    scenario("upgrade-batched, one at a time for comparison", 120 * MINUTES, async (s) => {
        needs("upgrade-batched");
        const pool = poolOf(env.deployed!, BATCHED_POOL);
        const roll = new WatchedRoll(env, s, pool, 1, () => lossOf(env.target, batched!.marker, batched!.id));
        const rolled = await roll.up(oneAtATimeConfig(env.config(to)));
        assert.deepEqual(
            steps(rolled),
            pool.map((p) => [`replace ${p.slot}`]),
            "the pool's agents one at a time, and nothing else",
        );
        for (const line of roll.report(BATCHED_POOL)) s.log(`    ${line}`);
        for (const [i, g] of rolled.groups.slice(1).entries())
            assert.ok(
                roll.ready.get(rolled.groups[i][0].slot)! <= roll.began.get(g[0].slot)!,
                `${g[0].slot} began after the one before was Ready`,
            );
        for (const name of await nodeNames(env.target)) {
            if (!rolled.groups.flat().some((g) => g.newName === name)) continue;
            assert.equal(
                (await nodeLabels(env.target, name))[ROLL_LABEL],
                "one-at-a-time",
                `${name} carries the pool's new label from its first boot`,
            );
        }
        const ratio = (roll.poolMs / batched!.poolMs).toFixed(2);
        s.log(
            `    pool ${BATCHED_POOL}, ${pool.length} agents, from the first drain to the last Ready: ` +
                `two at a time ${seconds(batched!.poolMs)}, one at a time ${seconds(roll.poolMs)} (${ratio}x)`,
        );
    });
});
