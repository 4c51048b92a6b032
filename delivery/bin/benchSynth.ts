/**
 * `npm run bench:synth [-- <infra-stack>]`: how the infra synth's time grows with the agent count.
 * Synthesizes the stack (default prod-infra) with its agents set to 4 and to 200 (spread over
 * two pools, in a subnet large enough), in one process after a warm-up, and prints both times and
 * their ratio (goal: at most 2.5). A measurement, not a test: the machine's load moves it.
 */
import { loadStackConfig } from "../synth/stackConfig";
import { PROJECT, STACKS_DIR, synthStack } from "../synth/stacks";

const GOAL = 2.5;

function agentOverrides(stack: string, agents: number): Record<string, string> {
    const config = loadStackConfig(STACKS_DIR, stack, PROJECT);
    const pools = JSON.parse(config[`${PROJECT}:agentPools`]?.value ?? "{}") as Record<string, { flavor: string }>;
    const flavor = pools.default?.flavor ?? Object.values(pools)[0]?.flavor ?? config[`${PROJECT}:agentFlavor`]?.value;
    const half = Math.floor(agents / 2);
    return {
        [`${PROJECT}:agentPools`]: JSON.stringify({ default: { flavor, count: agents - half }, batch: { flavor, count: half, maxUnavailable: 10 } }),
        [`${PROJECT}:subnetCidr`]: "10.96.0.0/22",
    };
}

async function timed(stack: string, agents: number): Promise<{ ms: number; resources: number }> {
    const started = process.hrtime.bigint();
    const result = await synthStack(stack, { overrides: agentOverrides(stack, agents) });
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, resources: result.resources.length };
}

async function main(): Promise<void> {
    const stack = process.argv[2] ?? "prod-infra";
    await timed(stack, 4); // warm-up: module loading and JIT are not per-agent costs
    const best = async (agents: number) => {
        const runs = [await timed(stack, agents), await timed(stack, agents)];
        return runs.sort((a, b) => a.ms - b.ms)[0];
    };
    const small = await best(4);
    const large = await best(200);
    const ratio = large.ms / small.ms;
    console.log(`${stack} with 4 agents:   ${small.ms.toFixed(0)} ms (${small.resources} resources)`);
    console.log(`${stack} with 200 agents: ${large.ms.toFixed(0)} ms (${large.resources} resources)`);
    console.log(`per extra agent: ${((large.ms - small.ms) / 196).toFixed(1)} ms`);
    console.log(`ratio 200/4 agents: ${ratio.toFixed(2)}x (goal <= ${GOAL}x): ${ratio <= GOAL ? "met" : "NOT met"}`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
