/**
 * The benchmark's stack (delivery/bin/benchSynth.ts): an infra stack with its agents set to a
 * count, spread over two pools (the "200 agents across pools"), in a subnet large enough
 * for them. Shared by the in-process runs and the one-process-per-run child (benchRun.ts), so
 * both measure the same stack.
 */
import { loadStackConfig } from "./stackConfig";
import { PROJECT, STACKS_DIR } from "./stacks";

export function agentOverrides(stack: string, agents: number): Record<string, string> {
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

/** The stack's server count, for the benchmark's labels (`3 servers + 200 agents`). */
export function serverCount(stack: string): number {
    return Number(loadStackConfig(STACKS_DIR, stack, PROJECT)[`${PROJECT}:serverCount`]?.value ?? 1);
}
