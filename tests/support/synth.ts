/**
 * Synth results shared across test files, from the tests' fixture stacks (tests/support/stacks.ts):
 * each stack is synthesized once per test run
 * (`synthStack` caches by stack), overrides always run fresh.
 */
import { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { synthStack } from "../../delivery/synth/stacks";
import { FIXTURE_STACKS } from "./stacks";

const cache = new Map<string, SynthResult>();

/**
 * `previousOutputs`: the stack's own outputs of a previous deployment (default: a first deployment);
 * `secrets`: override keys that count as set with `--secret`.
 */
export function synth(
    stack: string,
    overrides?: Record<string, string>,
    previousOutputs?: Record<string, unknown>,
    secrets?: readonly string[],
): Promise<SynthResult> {
    return synthStack(stack, { cache, overrides, previousOutputs, secretOverrides: secrets, stacksDir: FIXTURE_STACKS });
}

export function ofType(result: SynthResult, type: string): SynthResource[] {
    return result.resources.filter((r) => r.type === type);
}

export function byName(result: SynthResult, name: string): SynthResource {
    const found = result.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name} in ${result.stack}`);
    return found;
}
