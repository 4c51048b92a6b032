/**
 * `npm run bench:synth [-- <infra-stack>]`: how the infra synth's time grows with the agent count.
 * Synthesizes the stack (default prod-infra) with its agents set to 4 and to 200 (spread over
 * two pools, in a subnet large enough), in one process after a warm-up, and prints both times and
 * their ratio (goal: at most 2.5). Then the same for a stand-in program that registers only an
 * agent's resources (synth/bareAgents.ts): the runtime's own cost per agent, and the lowest ratio
 * it leaves the real program. A measurement, not a test: the machine's load moves it.
 */
import { loadStackConfig } from "../synth/stackConfig";
import { PROJECT, STACKS_DIR, synthStack } from "../synth/stacks";
import { synthesize } from "../synth/synth";
import { bareAgentsProgram } from "../synth/bareAgents";

const GOAL = 2.5;

function agentOverrides(stack: string, agents: number): Record<string, string> {
    const config = loadStackConfig(STACKS_DIR, stack, PROJECT);
    const pools = JSON.parse(config[`${PROJECT}:agentPools`]?.value ?? "{}") as Record<string, { flavor: string }>;
    const flavor = pools.default?.flavor ?? Object.values(pools)[0]?.flavor ?? config[`${PROJECT}:agentFlavor`]?.value;
    const half = Math.floor(agents / 2);
    return {
        [`${PROJECT}:agentPools`]: JSON.stringify({
            default: { flavor, count: agents - half },
            batch: { flavor, count: half, maxUnavailable: Math.min(10, half) },
        }),
        [`${PROJECT}:subnetCidr`]: "10.96.0.0/22",
    };
}

/** Wall-clock and process CPU time (user + system, GC threads included) of one run, in ms. */
interface Times {
    readonly wall: number;
    readonly cpu: number;
}

async function measure(run: () => Promise<unknown>): Promise<Times> {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    return { wall: Number(process.hrtime.bigint() - started) / 1e6, cpu: (used.user + used.system) / 1000 };
}

/** The faster of two runs, each measure on its own: one slow run is the machine, not the synth. */
async function best(run: () => Promise<unknown>): Promise<Times> {
    const [a, b] = [await measure(run), await measure(run)];
    return { wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) };
}

const ms = (t: number) => `${t.toFixed(0)} ms`;
const perAgent = (small: number, large: number) => `${((large - small) / 196).toFixed(1)} ms`;

async function main(): Promise<void> {
    const stack = process.argv[2] ?? "prod-infra";
    const resources = new Map<number, number>();
    const real = (agents: number) => async () => {
        const result = await synthStack(stack, { overrides: agentOverrides(stack, agents) });
        resources.set(agents, result.resources.length);
    };
    // The stand-in goes through the same synth as the stack (config, monitor, recording).
    const bare = (agents: number) => () =>
        synthesize({ stack, stacksDir: STACKS_DIR, project: PROJECT, program: bareAgentsProgram(agents) });
    await real(4)(); // warm-up: module loading and JIT are not per-agent costs
    const small = await best(real(4));
    const large = await best(real(200));
    const ratio = { wall: large.wall / small.wall, cpu: large.cpu / small.cpu };
    console.log(`${stack} with 4 agents:   ${ms(small.wall)} wall, ${ms(small.cpu)} CPU (${resources.get(4)} resources)`);
    console.log(`${stack} with 200 agents: ${ms(large.wall)} wall, ${ms(large.cpu)} CPU (${resources.get(200)} resources)`);
    console.log(`per extra agent: ${perAgent(small.wall, large.wall)} wall, ${perAgent(small.cpu, large.cpu)} CPU`);
    for (const kind of ["wall", "cpu"] as const) {
        console.log(
            `ratio 200/4 agents (${kind}): ${ratio[kind].toFixed(2)}x (goal <= ${GOAL}x): ${ratio[kind] <= GOAL ? "met" : "NOT met"}`,
        );
    }
    await bare(4)();
    const bareSmall = await best(bare(4));
    const bareLarge = await best(bare(200));
    const floor = (bareLarge.cpu - bareSmall.cpu) / 196;
    console.log(
        `runtime alone (an agent's 4 resources, no program logic): ${perAgent(bareSmall.wall, bareLarge.wall)} wall, ${floor.toFixed(1)} ms CPU per agent`,
    );
    console.log(`lowest CPU ratio that leaves the real program: ${((small.cpu + 196 * floor) / small.cpu).toFixed(2)}x`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
