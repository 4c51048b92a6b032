/**
 * `npm run synth -- [stack...]`: renders each stack's resource graph offline to
 * out/synth/<stack>.json (all stacks in stacks/ when none is named). Every stack is tried; the
 * run ends with the list of those that failed (and exits 1), not at the first failure.
 */
import * as fs from "fs";
import * as path from "path";
import { renderSynth, SynthResult } from "../synth/synth";
import { allStacks, ROOT, synthStack } from "../synth/stacks";
import { runMain } from "./run";

async function main(): Promise<void> {
    const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
    const stacks = requested.length > 0 ? requested : allStacks();
    const outDir = path.join(ROOT, "out", "synth");
    fs.mkdirSync(outDir, { recursive: true });
    const cache = new Map<string, SynthResult>();
    const failed: [string, string][] = [];
    for (const stack of stacks) {
        const started = Date.now();
        const file = path.join(outDir, `${stack}.json`);
        try {
            const result = await synthStack(stack, { cache });
            fs.writeFileSync(file, renderSynth(result));
            console.log(
                `${stack}: ${result.resources.length} resources -> ${path.relative(process.cwd(), file)} (${Date.now() - started} ms)`,
            );
        } catch (err) {
            // A stale file of a failing stack must not pass for its current state.
            fs.rmSync(file, { force: true });
            failed.push([stack, err instanceof Error ? err.message : String(err)]);
            console.error(`${stack}: FAILED`);
        }
    }
    if (failed.length > 0) {
        console.error(`\n${failed.length} of ${stacks.length} stacks failed:`);
        for (const [stack, message] of failed) console.error(`\n${stack}:\n${message.replace(/^/gm, "  ")}`);
        process.exitCode = 1;
    }
}

runMain(main);
