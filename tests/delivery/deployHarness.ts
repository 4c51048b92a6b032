/**
 * Runs `deploy` (the body of npm run up/down/rollback) against a STAND-IN `pulumi` executable on
 * PATH (tests/support/fakePulumi.ts: records its calls, answers from a scenario). The delivery
 * code spawns it exactly as it would spawn the real CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { deploy, DeployRequest } from "../../delivery/deploy/cli";
import { cliDeployer, SourceState } from "../../delivery/deploy/plan";
import { runCommand } from "../../delivery/deploy/checks/preflight";
import { ROOT } from "../../delivery/synth/stacks";
import { LAYER_READS } from "../../lib/contracts";
import { FAKE_DIR, fakePulumi, loggedCalls } from "../support/fakePulumi";
import { tempDir } from "../support/tempDir";

export { FAKE_DIR };
export const STACKS = [
    { layer: "infra" as const, stack: "dev-infra" },
    { layer: "cluster" as const, stack: "dev-cluster" },
    { layer: "apps" as const, stack: "dev-apps" },
];
/** Two layers are enough where the third adds only time. */
export const TWO = STACKS.slice(0, 2);
export const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::data-platform::${type}::${name}`;

export interface Run {
    code: number;
    out: string;
    calls: string[][];
    dir: string;
}

export async function run(
    scenario: Record<string, unknown>,
    overrides: Partial<DeployRequest> & { planned?: boolean; source?: () => SourceState } = {},
): Promise<Run> {
    const { env, dir, log } = await fakePulumi(scenario, { ...process.env, OS_CLOUD: "test" });
    const stacksDir = tempDir("stacks");
    for (const { layer, stack } of overrides.stacks ?? STACKS)
        fs.writeFileSync(path.join(stacksDir, `Pulumi.${stack}.yaml`), `config:\n  data-platform:layer: ${layer}\n`);
    const out: string[] = [];
    const code = await deploy({
        env: "dev",
        action: "up",
        stacks: STACKS,
        stacksDir,
        workDir: ROOT,
        run: runCommand(env),
        processEnv: env,
        cliVersion: "3.248.0",
        deployer: () =>
            cliDeployer(
                { workDir: ROOT, env, policyPack: path.join(ROOT, "policy") },
                overrides.planned === false ? undefined : path.join(dir, "plans"),
            ),
        source: () => ({ commit: "c0ffee".padEnd(40, "0"), changes: "" }),
        log: (l) => out.push(l),
        error: (l) => out.push(`ERR ${l}`),
        ...overrides,
    });
    const calls = loggedCalls(log) as string[][];
    return { code, out: out.join("\n"), calls, dir };
}

const layerOf = (stack: string) => STACKS.find((s) => s.stack === stack)!.layer;

/** Every output a layer above reads from this stack (lib/contracts.ts), with a stand-in value. */
export function fullOutputs(stack: string): Record<string, string> {
    const keys = Object.values(LAYER_READS).flatMap((reads) => {
        const r = reads[layerOf(stack)];
        return r ? [...r.required, ...r.optional] : [];
    });
    return Object.fromEntries(keys.map((k) => [k, "[secret]"]));
}

/** What this stack's preview requires of the stacks below it (the fake fails the preview without them). */
export function readsOf(stack: string): Record<string, readonly string[]> {
    return Object.fromEntries(
        STACKS.flatMap((lower) => {
            const r = LAYER_READS[layerOf(stack)][lower.layer];
            return r ? [[lower.stack, r.required]] : [];
        }),
    );
}

/** A deployed stack with one update to make, every read output present. */
export const changing = (stack: string) => ({
    version: 4,
    outputs: fullOutputs(stack),
    reads: readsOf(stack),
    steps: [
        { op: "update", urn: urn(stack, "kubernetes:apps/v1:Deployment", `${stack}-web`), diffReasons: ["spec"] },
        { op: "same", urn: urn(stack, "pulumi:pulumi:Stack", stack) },
    ],
});
export const scenario = (extra: Record<string, Record<string, unknown>> = {}) => ({
    stacks: Object.fromEntries(STACKS.map(({ stack }) => [stack, { ...changing(stack), ...(extra[stack] ?? {}) }])),
});
/** The verbs of a deploy of the three layers that previews them all before it applies any. */
export const PREVIEWS_FIRST = [
    "preview dev-infra",
    "preview dev-cluster",
    "preview dev-apps",
    "up dev-infra",
    "up dev-cluster",
    "up dev-apps",
];
export const verbs = (calls: string[][]) =>
    calls.filter((c) => ["preview", "up", "destroy"].includes(c[0])).map((c) => `${c[0]} ${c[c.indexOf("--stack") + 1]}`);
