/**
 * Synth results shared across test files: each stack is synthesized once per test run
 * (`synthStack` caches by stack), overrides always run fresh.
 */
import { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { synthStack } from "../../delivery/synth/stacks";

const cache = new Map<string, SynthResult>();

/** `previousOutputs`: the stack's own outputs of a previous deployment (default: a first deployment). */
export function synth(stack: string, overrides?: Record<string, string>, previousOutputs?: Record<string, unknown>): Promise<SynthResult> {
    return synthStack(stack, { cache, overrides, previousOutputs });
}

export function ofType(result: SynthResult, type: string): SynthResource[] {
    return result.resources.filter((r) => r.type === type);
}

export function byName(result: SynthResult, name: string): SynthResource {
    const found = result.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name} in ${result.stack}`);
    return found;
}
