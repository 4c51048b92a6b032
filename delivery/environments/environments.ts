/**
 * Environments and layer order. An environment is the prefix of `<env>-<layer>` stack files in
 * `stacks/`; its layers run infra → cluster → apps on the way up and in reverse on the way down.
 */
import { LAYERS, LayerName } from "../../lib/layers";
import { listStacks, loadStackConfig } from "../synth/stackConfig";

export type Action = "up" | "destroy" | "preview";

/** Layers in the order an action walks them: destroy tears down apps first. */
export function layerOrder(action: Action): LayerName[] {
    return action === "destroy" ? [...LAYERS].reverse() : [...LAYERS];
}

export interface EnvironmentStacks {
    readonly env: string;
    /** Present stacks by layer. */
    readonly stacks: Partial<Record<LayerName, string>>;
    /** Layers with no stack file (a partial environment, e.g. before the apps layer exists). */
    readonly missing: LayerName[];
}

const STACK_NAME = new RegExp(`^(.+)-(${LAYERS.join("|")})$`);

/** Every environment with at least one `<env>-<layer>` stack file, sorted by name. */
export function discoverEnvironments(stackNames: readonly string[]): EnvironmentStacks[] {
    const envs = new Map<string, Partial<Record<LayerName, string>>>();
    for (const stack of stackNames) {
        const m = STACK_NAME.exec(stack);
        if (!m) continue;
        const stacks = envs.get(m[1]) ?? {};
        stacks[m[2] as LayerName] = stack;
        envs.set(m[1], stacks);
    }
    return [...envs.keys()].sort().map((env) => {
        const stacks = envs.get(env)!;
        return { env, stacks, missing: LAYERS.filter((l) => !stacks[l]) };
    });
}

export function environmentsIn(stacksDir: string): EnvironmentStacks[] {
    return discoverEnvironments(listStacks(stacksDir));
}

/** The stacks an action runs for one environment, in order; unknown environments throw with the known ones. */
export function stacksFor(stacksDir: string, env: string, action: Action): { layer: LayerName; stack: string }[] {
    const found = environmentsIn(stacksDir).find((e) => e.env === env);
    if (!found) {
        const known = environmentsIn(stacksDir).map((e) => e.env);
        throw new Error(
            `No environment "${env}" in ${stacksDir}: known environments are ${known.length ? known.join(", ") : "(none)"}. ` +
                `Add stacks/Pulumi.${env}-infra.yaml (and -cluster, -apps) to create it (see docs/delivery.md).`,
        );
    }
    return layerOrder(action)
        .filter((l) => found.stacks[l])
        .map((layer) => ({ layer, stack: found.stacks[layer]! }));
}

export interface StackFileProblem {
    readonly stack: string;
    readonly message: string;
}

/**
 * File-level checks of an environment's stack files, before the layer's own config validation
 * (which synth runs): each file names the layer of its suffix and the environment of its prefix.
 */
export function checkStackFiles(stacksDir: string, project: string, env: EnvironmentStacks): StackFileProblem[] {
    const problems: StackFileProblem[] = [];
    for (const [layer, stack] of Object.entries(env.stacks) as [LayerName, string][]) {
        const config = loadStackConfig(stacksDir, stack, project);
        const declared = config[`${project}:layer`]?.value;
        if (declared !== layer) {
            problems.push({ stack, message: `${project}:layer = ${JSON.stringify(declared ?? "(unset)")}: the file name says "${layer}"` });
        }
        const environment = config[`${project}:environment`]?.value;
        if (environment !== undefined && environment !== env.env) {
            problems.push({ stack, message: `${project}:environment = ${JSON.stringify(environment)}: the file name says "${env.env}"` });
        }
    }
    return problems;
}
