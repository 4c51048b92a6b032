/**
 * `up`'s refusal to apply example values: every placeholder left in an environment's stack files
 * (lib/config/placeholders.ts), by stack and key. Synth, the tests and `--preview-only` accept
 * them (a preview lists them as a warning); applying needs real values.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { placeholders } from "../../../lib/config/placeholders";
import { loadStackConfig } from "../../synth/stackConfig";

/** The project name from Pulumi.yaml in `workDir`. */
export function projectName(workDir: string): string {
    return (parse(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
}

/** The placeholders of the given stacks, as one message; undefined when there are none. */
export function placeholderReport(stacksDir: string, stacks: readonly { stack: string }[], project: string): string | undefined {
    const lines: string[] = [];
    for (const { stack } of stacks) {
        const config = loadStackConfig(stacksDir, stack, project);
        const plain = Object.fromEntries(
            Object.entries(config)
                .filter(([, e]) => !e.secure)
                .map(([k, e]) => [k, e.value]),
        );
        for (const p of placeholders(plain))
            lines.push(
                `  - ${stack}: ${p.key} = ${JSON.stringify(p.value.length > 70 ? `${p.value.slice(0, 67)}...` : p.value)}: ${p.why}`,
            );
    }
    if (lines.length === 0) return undefined;
    return (
        `${lines.length} example value(s) are still in the stack files; replace each with your own ` +
        `(stacks/Pulumi.<stack>.yaml, or pulumi config set -s <stack> <key> <value>):\n${lines.join("\n")}`
    );
}
