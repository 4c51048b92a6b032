/**
 * The server token's resources: one `RandomPassword` per generation (config
 * `serverTokenGeneration`, default 1). Generation 1 is the resource every stack always had, so
 * a stack that never rotated sees no change. Raising the generation by one creates the new
 * token and keeps the previous generation's in the stack's state: the servers are rendered with
 * both and rotate the cluster from the previous to the new one (tokenRotation.ts). A jump, or a
 * step back, is refused before anything changes: the cluster only knows its current token.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { INITIALISED_OUTPUTS, wasInitialised } from "./bootstrap";
import { serverTokenResourceName, tokenGenerationProblem } from "./tokenRotation";

/** The stack output that records the generation a cluster runs (published from generation 2 on). */
export const TOKEN_GENERATION_OUTPUT = "serverTokenGeneration";

export interface ServerTokens {
    /** The generation's secret. */
    readonly current: pulumi.Output<string>;
    /** The previous generation's secret (generation 2 and later). */
    readonly previous?: pulumi.Output<string>;
    /**
     * Rejects when the generation may not follow the stack's previous one. The program awaits it
     * (infra/index.ts): a preview fails with the reason, and so `up` applies nothing.
     */
    readonly checked: Promise<void>;
}

export function serverTokens(
    cluster: string,
    generation: number,
    previousOutputs: pulumi.StackReference,
    opts: pulumi.CustomResourceOptions,
): ServerTokens {
    const token = (g: number) => new random.RandomPassword(serverTokenResourceName(cluster, g), { length: 48, special: false }, opts);
    const current = token(generation);
    const previous = generation > 1 ? token(generation - 1) : undefined;
    const value = async (key: string) => {
        const details = await previousOutputs.getOutputDetails(key);
        return details.value ?? details.secretValue;
    };
    const checked = (async () => {
        const [was, ...published] = await Promise.all([TOKEN_GENERATION_OUTPUT, ...INITIALISED_OUTPUTS].map(value));
        const initialised = wasInitialised(Object.fromEntries(INITIALISED_OUTPUTS.map((k, i) => [k, published[i]])));
        const problem = tokenGenerationProblem(initialised, was === undefined || was === null ? undefined : Number(was), generation);
        if (problem) throw new Error(problem);
    })();
    // Awaited by the program; this only keeps Node from calling it unhandled meanwhile.
    checked.catch(() => undefined);
    return { current: current.result, ...(previous ? { previous: previous.result } : {}), checked };
}
