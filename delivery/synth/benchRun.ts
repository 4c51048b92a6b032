/**
 * One synth for the benchmark (delivery/bin/benchSynth.ts), in a process of its own, as
 * `npm run synth -- <stack>` runs one (delivery/bin/synth.ts): the same modules loaded, the stack
 * synthesized, its synth file rendered and written — only with the benchmark's agent count
 * (benchStack.ts) as config overrides, and the file written where the benchmark says, not over
 * out/synth/<stack>.json. Prints `{resources, synthMs}`: the synth and file alone, the rest of
 * the process's time being its start (Node, tsx, module loading).
 *
 * Usage: tsx delivery/synth/benchRun.ts <stack> <agents> <out-file>
 */
import * as fs from "fs";
import { renderSynth } from "./synth";
import { synthStack } from "./stacks";
import { agentOverrides } from "./benchStack";

async function main(): Promise<void> {
    const [stack, agents, file] = process.argv.slice(2);
    if (!stack || !/^\d+$/.test(agents ?? "") || !file) throw new Error("usage: benchRun.ts <stack> <agents> <out-file>");
    const started = Date.now();
    const result = await synthStack(stack, { overrides: agentOverrides(stack, Number(agents)) });
    fs.writeFileSync(file, renderSynth(result));
    console.log(JSON.stringify({ resources: result.resources.length, synthMs: Date.now() - started }));
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
