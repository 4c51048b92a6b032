/**
 * `npm run synth -- [stack...]`: renders each stack's resource graph offline to
 * out/synth/<stack>.json (all stacks in stacks/ when none is named).
 */
import * as fs from "fs";
import * as path from "path";
import { renderSynth, SynthResult } from "../lib/synth/synth";
import { allStacks, ROOT, synthStack } from "../lib/synth/stacks";

async function main(): Promise<void> {
    const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
    const stacks = requested.length > 0 ? requested : allStacks();
    const outDir = path.join(ROOT, "out", "synth");
    fs.mkdirSync(outDir, { recursive: true });
    const cache = new Map<string, SynthResult>();
    for (const stack of stacks) {
        const started = Date.now();
        const result = await synthStack(stack, { cache });
        const file = path.join(outDir, `${stack}.json`);
        fs.writeFileSync(file, renderSynth(result));
        console.log(`${stack}: ${result.resources.length} resources -> ${path.relative(process.cwd(), file)} (${Date.now() - started} ms)`);
    }
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
