/**
 * Command-line flags shared by `up`, `down` and `rollback`, and the wiring of a deploy request to
 * the real things: the Pulumi CLI (with update plans and the policy pack), git for the source
 * state, the terminal for the confirmation.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DeployRequest, sdkVersion } from "./cli";
import { confirmationProblem, terminalConfirm } from "./confirmation";
import { cliDeployer, sourceState } from "./plan";
import { runCommand } from "./checks/preflight";
import { irreversibleChanges, parseAllow } from "../diff/irreversible";
import { readDeployed } from "../rollback/deployed";
import { projectName } from "./checks/placeholderGate";
import { ownImagesCheck, ownImagesOf } from "./checks/imageCheck";
import { parseStackOutputs, runPulumi } from "./pulumiCli";
import { helmOrphansCheck, plannedReleases } from "./checks/helmOrphans";
import { targetFromKubeconfig } from "../../infra/lifecycle/kubeApi";
import type { SynthResult } from "../synth/synth";
import { loadStackConfig } from "../synth/stackConfig";
import { currentRepository } from "../../apps/repository";
import { FlagSpec, parseCommandLine } from "../bin/args";
import { scratchDir } from "./scratchDir";

export interface DeployFlags {
    readonly yes: boolean;
    readonly confirmEnv?: string;
    readonly previewOnly: boolean;
    readonly previewOut?: string;
    readonly expectPreview?: string;
    /** Without Pulumi update plans: re-preview and compare right before each layer instead. */
    readonly noPlan: boolean;
    readonly noPolicy: boolean;
    /** Irreversible changes deliberately allowed, by kind (delivery/diff/irreversible.ts). */
    readonly allow: string[];
}

export const DEPLOY_FLAGS_USAGE =
    "[--yes] [--confirm-env <env>] [--preview-only] [--preview-out <file.md>] " +
    "[--expect-preview <fingerprint>] [--no-plan] [--no-policy] [--allow <kind,...>]";

const DEPLOY_FLAGS = {
    yes: { type: "boolean", short: "y" },
    "confirm-env": { type: "string" },
    "preview-only": { type: "boolean" },
    "preview-out": { type: "string" },
    "expect-preview": { type: "string" },
    "no-plan": { type: "boolean" },
    "no-policy": { type: "boolean" },
    allow: { type: "string" },
} as const;

/**
 * Splits argv into the deploy flags, the flags a script handles itself (`own`, with values
 * for those in `ownValued`; named with their dashes) and positional arguments. Throws on an unknown
 * flag or a missing value.
 */
export function parseDeployArgs(
    argv: readonly string[],
    own: readonly string[] = [],
    ownValued: readonly string[] = [],
): { flags: DeployFlags; own: Map<string, string | true>; positional: string[] } {
    const ownSpecs: Record<string, FlagSpec> = {};
    for (const flag of own) ownSpecs[flag.replace(/^--/, "")] = { type: "boolean" };
    for (const flag of ownValued) ownSpecs[flag.replace(/^--/, "")] = { type: "string" };
    const { values, positionals } = parseCommandLine(argv, { ...ownSpecs, ...DEPLOY_FLAGS });
    const ownFound = new Map<string, string | true>();
    for (const name of Object.keys(ownSpecs)) {
        const v = (values as Record<string, string | boolean | undefined>)[name];
        if (v !== undefined) ownFound.set(`--${name}`, v === true ? true : String(v));
    }
    const allow = parseAllow(values.allow);
    if (allow.problem) throw new Error(allow.problem);
    return {
        flags: {
            yes: values.yes === true,
            confirmEnv: values["confirm-env"],
            previewOnly: values["preview-only"] === true,
            previewOut: values["preview-out"],
            expectPreview: values["expect-preview"],
            noPlan: values["no-plan"] === true,
            noPolicy: values["no-policy"] === true,
            allow: allow.kinds,
        },
        own: ownFound,
        positional: positionals,
    };
}

/** The policy pack folder of a checkout, when it is a loadable pack (has its package.json). */
export function policyPackOf(workDir: string): string | undefined {
    const dir = path.join(workDir, "policy");
    return fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "PulumiPolicy.yaml")) ? dir : undefined;
}

export interface RealRequest extends Pick<DeployRequest, "env" | "action" | "stacks" | "stacksDir" | "workDir" | "offline"> {
    readonly flags: DeployFlags;
    /** The environment the CLI runs in; this process's by default. */
    readonly processEnv?: NodeJS.ProcessEnv;
}

/** A deploy request wired to the Pulumi CLI, git and the terminal; or the reason it may not run. */
export function realDeployRequest(r: RealRequest): DeployRequest | { problem: string } {
    const problem = confirmationProblem({
        env: r.env,
        action: r.action,
        isTTY: Boolean(process.stdin.isTTY),
        yes: r.flags.yes,
        confirmEnv: r.flags.confirmEnv,
        previewOnly: r.flags.previewOnly,
    });
    if (problem) return { problem };
    // Plans hold every planned input; they live only as long as this command.
    const planDir = r.flags.noPlan ? undefined : scratchDir("data-platform-plans");
    const policyPack = r.flags.noPolicy ? undefined : policyPackOf(r.workDir);
    const git = (args: string[]) =>
        // The source state hashes `git diff HEAD`, which for a large uncommitted change (a
        // reformat, a vendored chart) is far beyond execFileSync's 1 MiB default buffer.
        execFileSync("git", args, { cwd: r.workDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 }).trim();
    const env = r.processEnv ?? process.env;
    // One synth per stack for every check of this command.
    const synthCache = new Map<string, SynthResult>();
    const synth = async (stack: string) =>
        (await import("../synth/stacks")).synthStack(stack, { stacksDir: r.stacksDir, cache: synthCache });
    return {
        ...r,
        run: runCommand(env),
        processEnv: env,
        cliVersion: sdkVersion(),
        deployer: () => cliDeployer({ workDir: r.workDir, env, policyPack }, planDir),
        source: () => sourceState(git),
        log: (line) => console.log(line),
        error: (line) => console.error(line),
        confirm: r.flags.yes || r.flags.previewOnly ? undefined : terminalConfirm,
        previewOnly: r.flags.previewOnly,
        previewOut: r.flags.previewOut,
        expectPreview: r.flags.expectPreview,
        allow: r.flags.allow,
        preApplyChecks: r.action === "up" ? realPreApplyChecks(r, env, synth) : [],
        // What is deployed (state) against what this checkout synthesizes, per stack.
        irreversible:
            r.action === "up"
                ? async () => {
                      const deployed = await readDeployed(
                          { workDir: r.workDir, env },
                          r.stacks.map((s) => s.stack),
                      );
                      if (!deployed) return [];
                      const found = [];
                      for (const { stack } of r.stacks) {
                          const d = deployed.get(stack);
                          if (!d) continue;
                          const target = await synth(stack);
                          found.push(...irreversibleChanges(stack, r.env, d.resources, target.resources));
                      }
                      return found;
                  }
                : undefined,
    };
}

/** The checks `up` runs on each layer's preview before applying it (preApply.ts). */
function realPreApplyChecks(r: RealRequest, env: NodeJS.ProcessEnv, synth: (stack: string) => Promise<SynthResult>) {
    const project = projectName(r.workDir);
    const cli = { workDir: r.workDir, env };
    const infra = r.stacks.find((s) => s.layer === "infra")?.stack;
    return [
        ownImagesCheck({
            ownImages: async (stack) =>
                ownImagesOf(loadStackConfig(r.stacksDir, stack, project), project, currentRepository(env, r.workDir), async (key) => {
                    const got = await runPulumi(cli, ["config", "get", key, "--stack", stack]);
                    return got.code === 0 ? got.stdout.replace(/\n$/, "") : undefined;
                }),
        }),
        helmOrphansCheck({
            infraStack: infra,
            planned: async (stack) => plannedReleases((await synth(stack)).resources),
            exported: async (stack) => {
                const got = await runPulumi(cli, ["stack", "export", "--stack", stack]);
                return got.code === 0 ? got.stdout : undefined;
            },
            // Infra's admin kubeconfig, as the cluster and apps layers' provider uses it; none yet: no cluster.
            target: async () => {
                if (!infra) return undefined;
                const got = await runPulumi(cli, ["stack", "output", "--stack", infra, "--json", "--show-secrets"]);
                const kubeconfig = got.code === 0 ? parseStackOutputs(got.stdout).kubeconfig : undefined;
                return typeof kubeconfig === "string" && kubeconfig !== "" ? targetFromKubeconfig(kubeconfig) : undefined;
            },
        }),
    ];
}
