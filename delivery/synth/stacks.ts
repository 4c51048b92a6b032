/**
 * Synthesizes stacks in layer order: a `cluster` or `apps` stack reads the outputs of the lower
 * layers of its environment (`<env>-infra`, `<env>-cluster`) through StackReferences, so those
 * are synthesized first and their outputs fed to the mock StackReference.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { program as platformProgram } from "../../program";
import { StackOutputs, synthesize, SynthResult } from "./synth";
import { listStacks, stackLayer } from "./stackConfig";

export const ROOT = path.resolve(__dirname, "..", "..");
export const STACKS_DIR = path.join(ROOT, "stacks");
/**
 * STAND-IN repository for the offline synth: a deploy names its repository (apps/repository.ts:
 * GITHUB_REPOSITORY in CI, the origin remote locally); the synth must not depend on where the
 * checkout came from, so it passes one to the program (PLATFORM_REPOSITORY still wins).
 */
const SYNTH_REPOSITORY = { owner: "example-org", name: "data-platform", source: "the synth's stand-in" };

/** The program as the synth runs it: the platform's, with the stand-in repository. */
export const synthProgram = () => platformProgram({ repository: SYNTH_REPOSITORY });

export const PROJECT = (parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;

const LOWER_LAYERS: Record<string, string[]> = { infra: [], cluster: ["infra"], apps: ["infra", "cluster"] };

export interface SynthStackOptions {
    readonly stacksDir?: string;
    /** Config overrides for the requested stack only (not its lower layers). */
    readonly overrides?: Record<string, string>;
    /** Override keys that count as set with `--secret`. */
    readonly secretOverrides?: readonly string[];
    /** Cache of already synthesized stacks, shared across calls. */
    readonly cache?: Map<string, SynthResult>;
    /**
     * The stack's own outputs of its previous deployment (an infra stack reads them to know
     * whether its cluster was initialised); none by default: a first deployment.
     */
    readonly previousOutputs?: Record<string, unknown>;
}

/** The environment part of a `<env>-<layer>` stack name. */
export function environmentOf(stack: string, layer: string): string {
    return stack.endsWith(`-${layer}`) ? stack.slice(0, -(layer.length + 1)) : stack;
}

/** Synthesizes `stack`, after the lower-layer stacks of its environment. */
export async function synthStack(stack: string, options: SynthStackOptions = {}): Promise<SynthResult> {
    const stacksDir = options.stacksDir ?? STACKS_DIR;
    const cache = options.cache ?? new Map<string, SynthResult>();
    const layer = stackLayer(stacksDir, stack, PROJECT) ?? "";
    const env = environmentOf(stack, layer);
    const references: StackOutputs = {};
    for (const lower of LOWER_LAYERS[layer] ?? []) {
        const lowerStack = `${env}-${lower}`;
        if (!fs.existsSync(path.join(stacksDir, `Pulumi.${lowerStack}.yaml`))) continue;
        let result = cache.get(`${stacksDir}:${lowerStack}`);
        if (!result) {
            try {
                result = await synthStack(lowerStack, { stacksDir, cache });
            } catch (err) {
                throw new Error(`${stack} reads ${lowerStack}, which does not synthesize:\n${(err as Error).message}`);
            }
        }
        references[lowerStack] = result.outputs;
    }
    // The infra layer reads its own previous outputs (infra/bootstrap.ts).
    references[stack] = options.previousOutputs ?? {};
    const useCache = !options.overrides && !options.previousOutputs;
    const key = `${stacksDir}:${stack}`;
    const cached = useCache ? cache.get(key) : undefined;
    if (cached) return cached;
    const result = await synthesize({
        stack,
        stacksDir,
        project: PROJECT,
        references,
        overrides: options.overrides,
        secretOverrides: options.secretOverrides,
        program: synthProgram,
    });
    if (useCache) cache.set(key, result);
    return result;
}

/** Every stack with a config file in `stacksDir`. */
export function allStacks(stacksDir: string = STACKS_DIR): string[] {
    return listStacks(stacksDir);
}
