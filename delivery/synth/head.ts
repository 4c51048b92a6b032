/** Synth of this checkout's stacks in-process, one at a time, collecting errors instead of stopping. */
import type { SynthResult } from "./synth";
import { allStacks, synthStack } from "./stacks";

export async function synthHead(
    stacks: string[] = allStacks(),
    stacksDir?: string,
): Promise<{ results: Map<string, SynthResult>; errors: Map<string, string> }> {
    const cache = new Map<string, SynthResult>();
    const results = new Map<string, SynthResult>();
    const errors = new Map<string, string>();
    for (const stack of stacks) {
        try {
            results.set(stack, await synthStack(stack, { cache, ...(stacksDir ? { stacksDir } : {}) }));
        } catch (err) {
            errors.set(stack, err instanceof Error ? err.message : String(err));
        }
    }
    return { results, errors };
}
