/**
 * The repository's stacks/ hold the user's own values (addresses, keys, versions, hosts): tests
 * over them check properties only — every file valid for its layer, consistent with its name,
 * every environment complete — never a value. Every other test takes its stack files from
 * tests/fixtures/stacks (tests/support/stacks.ts); the last test keeps it that way.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { checkStackFiles, environmentsIn, stacksFor } from "../delivery/environments/environments";
import { PROJECT, STACKS_DIR, synthStack } from "../delivery/synth/stacks";
import type { SynthResult } from "../delivery/synth/synth";

describe("stacks/: the user's stack files (properties, never values)", () => {
    const envs = environmentsIn(STACKS_DIR);

    it("hold at least one environment, each with an infra stack and files that name their layer and environment", () => {
        assert.ok(envs.length > 0, "stacks/ holds no <env>-<layer> stack file");
        for (const env of envs) {
            assert.ok(env.stacks.infra, `${env.env}: no ${env.env}-infra stack`);
            assert.deepEqual(checkStackFiles(STACKS_DIR, PROJECT, env), [], env.env);
        }
    });

    it("every stack synthesizes in layer order (its layer's whole validation passes)", async function () {
        this.timeout(120_000);
        const cache = new Map<string, SynthResult>();
        for (const env of envs) {
            for (const { stack } of stacksFor(STACKS_DIR, env.env, "up")) {
                const result = await synthStack(stack, { stacksDir: STACKS_DIR, cache });
                assert.ok(result.resources.length > 1, stack);
            }
        }
    });
});

describe("tests take their own stack fixtures", () => {
    /**
     * Test files allowed to read stacks/: this one (properties), the docs-figures check (it only
     * hashes stacks/ to skip when the user's files differ from those docs/ was generated from),
     * and the boot suites (they boot the user's own environment).
     */
    const ALLOWED = new Set(["stacks.test.ts", path.join("delivery", "report", "figures.test.ts")]);
    const READS_STACKS = [/\bSTACKS_DIR\b/, /["']\.\.["'],\s*["']\.\.["'],\s*["']stacks["']/, /ROOT,\s*["']stacks["']/, /allStacks\(\)/];

    function testFiles(dir: string): string[] {
        return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
            const full = path.join(dir, e.name);
            if (e.isDirectory()) return e.name === "fixtures" || e.name === "boot" || e.name === "node_modules" ? [] : testFiles(full);
            return e.name.endsWith(".ts") ? [full] : [];
        });
    }

    it("no test outside this file reads the repository's stacks/ (they use tests/fixtures/stacks)", () => {
        const offenders = testFiles(__dirname)
            .filter((f) => !ALLOWED.has(path.relative(__dirname, f)))
            .filter((f) => READS_STACKS.some((re) => re.test(fs.readFileSync(f, "utf8"))))
            .map((f) => path.relative(__dirname, f));
        assert.deepEqual(offenders, []);
    });
});
