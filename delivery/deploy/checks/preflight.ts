/**
 * Preflight for `npm run up|down`: before anything runs, check the Pulumi CLI, the backend
 * login, the stacks and the secrets they need, and stop at the first problem with ONE message
 * that says what to run. Commands go through an injected runner so every path is testable.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { parse } from "yaml";
import type { LayerName } from "../../../lib/layers";
import { stackFile } from "../../synth/stackConfig";
import { cloudCredentialVerdict } from "./credentials";
import type { Action } from "../../environments/environments";

export interface CommandResult {
    /** Exit code; null when the command could not be started. */
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** Set when the program could not be started (`ENOENT`: not on PATH). */
    readonly spawnError?: string;
}

export type CommandRunner = (command: string, args: string[], options?: { cwd?: string }) => Promise<CommandResult>;

/** Runs a command to completion, capturing its output; never throws. */
export function runCommand(env: NodeJS.ProcessEnv = process.env): CommandRunner {
    return (command, args, options) =>
        new Promise((resolve) => {
            let stdout = "";
            let stderr = "";
            const child = spawn(command, args, { cwd: options?.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("error", (err: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr, spawnError: err.code ?? err.message }));
            child.on("close", (code) => resolve({ code, stdout, stderr }));
        });
}

export type PreflightProblem = "cli-missing" | "not-logged-in" | "backend-unreachable" | "stack-missing" | "secret-missing";

export type PreflightResult =
    | {
          readonly ok: true;
          readonly backend: string;
          readonly cliVersion: string;
          readonly stacks: string[];
          readonly skipped: string[];
          readonly notes?: string[];
      }
    | { readonly ok: false; readonly problem: PreflightProblem; readonly message: string };

/**
 * A credential a layer needs: satisfied by any of the config keys (in the stack file, as
 * `secure:` for secrets) or any of the environment variables.
 */
export interface RequiredSecret {
    readonly what: string;
    readonly configKeys: string[];
    readonly envVars: string[];
    /** The command to suggest; `<stack>` is replaced. */
    readonly fix: string;
}

/**
 * What each layer needs before `up` can work. The OpenStack provider reads its credentials from
 * `openstack:` config or the usual OS_* variables (an openrc file or a clouds.yaml entry).
 * The cluster and apps layers read the kubeconfig from the infra stack (a StackReference), so
 * they need nothing of their own here.
 */
export const REQUIRED_SECRETS: Record<LayerName, RequiredSecret[]> = {
    infra: [
        {
            what: "OpenStack credentials",
            configKeys: ["openstack:password", "openstack:applicationCredentialSecret"],
            envVars: ["OS_PASSWORD", "OS_APPLICATION_CREDENTIAL_SECRET", "OS_CLOUD", "OS_TOKEN"],
            fix:
                "source your OpenStack openrc file (or export OS_CLOUD=<cloud> for clouds.yaml), or: pulumi config " +
                "set --secret -s <stack> openstack:applicationCredentialSecret <secret>",
        },
    ],
    cluster: [],
    apps: [],
};

export interface PreflightRequest {
    readonly action: Action;
    /** Stacks in run order with their layer. */
    readonly stacks: { layer: LayerName; stack: string }[];
    readonly stacksDir: string;
    readonly workDir: string;
    readonly run: CommandRunner;
    readonly env: NodeJS.ProcessEnv;
    /** The CLI version to suggest installing (the SDK's). */
    readonly cliVersion: string;
    readonly requiredSecrets?: Record<LayerName, RequiredSecret[]>;
}

function stackDoc(
    stacksDir: string,
    stack: string,
): { config: Record<string, unknown>; encryptionsalt?: string; secretsprovider?: string } {
    const file = stackFile(stacksDir, stack);
    if (!fs.existsSync(file)) return { config: {} };
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as {
        config?: Record<string, unknown>;
        encryptionsalt?: string;
        secretsprovider?: string;
    };
    return { ...doc, config: doc.config ?? {} };
}

/** Stack names from `pulumi stack ls --json` (last path segment, so `org/project/dev-infra` is `dev-infra`). */
export function parseStackList(json: string): string[] {
    const list = JSON.parse(json) as { name: string }[];
    return list.map((s) => s.name.split("/").pop()!);
}

export async function preflight(req: PreflightRequest): Promise<PreflightResult> {
    const version = await req.run("pulumi", ["version"], { cwd: req.workDir });
    if (version.spawnError || version.code !== 0) {
        return {
            ok: false,
            problem: "cli-missing",
            message:
                `The Pulumi CLI is not installed (no \`pulumi\` on ` +
                `PATH${version.spawnError && version.spawnError !== "ENOENT" ? `: ${version.spawnError}` : ""}). Install it with:\n` +
                `  curl -fsSL https://get.pulumi.com | sh -s -- --version ${req.cliVersion}\n` +
                `then open a new shell (or add ~/.pulumi/bin to PATH) and run this command again.`,
        };
    }
    const whoami = await req.run("pulumi", ["whoami", "--verbose"], { cwd: req.workDir });
    if (whoami.code !== 0) {
        return {
            ok: false,
            problem: "not-logged-in",
            message:
                "Not logged in to a Pulumi backend. Run one of:\n" +
                "  pulumi login                          # Pulumi Cloud (or set PULUMI_ACCESS_TOKEN)\n" +
                "  pulumi login s3://<bucket>            # a self-managed backend\n" +
                "  pulumi login file://~/.pulumi-state   # local state, one machine only",
        };
    }
    const backend = /Backend URL:\s*(\S+)/.exec(whoami.stdout)?.[1] ?? whoami.stdout.trim().split("\n")[0];

    const listed = await req.run("pulumi", ["stack", "ls", "--json"], { cwd: req.workDir });
    // A backend that cannot list its stacks must stop everything: treating it as "no stacks" would
    // let `down` report success without destroying anything.
    if (listed.code !== 0) {
        return {
            ok: false,
            problem: "backend-unreachable",
            message:
                `Cannot list the stacks in ${backend} (\`pulumi stack ls --json\` exited ` +
                `${listed.code ?? listed.spawnError}):\n${listed.stderr.trim() || listed.stdout.trim()}\nCheck the ` +
                `backend (network, credentials: pulumi whoami -v) and run this command again; nothing was changed.`,
        };
    }
    const existing = new Set(parseStackList(listed.stdout || "[]"));
    const missing = req.stacks.filter((s) => !existing.has(s.stack));
    const skipped: string[] = [];
    if (missing.length > 0) {
        if (req.action === "destroy") {
            skipped.push(...missing.map((s) => s.stack));
        } else {
            return {
                ok: false,
                problem: "stack-missing",
                message:
                    `${missing.length === 1 ? "Stack" : "Stacks"} ${missing.map((s) => s.stack).join(", ")} ` +
                    `${missing.length === 1 ? "does" : "do"} not exist in ${backend}. Create ` +
                    `${missing.length === 1 ? "it" : "them"} with:\n` +
                    missing.map((s) => `  pulumi stack init ${s.stack}`).join("\n") +
                    "\n(the config is already in stacks/; `pulumi stack init` only registers the stack in the backend)",
            };
        }
    }

    const needs = req.requiredSecrets ?? REQUIRED_SECRETS;
    const lacking: string[] = [];
    const notes: string[] = [];
    const running = req.stacks.filter((s) => !skipped.includes(s.stack));
    for (const { layer, stack } of running) {
        const doc = stackDoc(req.stacksDir, stack);
        for (const secret of needs[layer]) {
            const inConfig = secret.configKeys.some((k) => doc.config[k] !== undefined);
            const inEnv = secret.envVars.some((v) => (req.env[v] ?? "") !== "");
            if (!inConfig && !inEnv) lacking.push(`  ${stack}: ${secret.what}. ${secret.fix.replace(/<stack>/g, stack)}`);
        }
        if (layer === "infra" && req.action === "up") {
            const verdict = cloudCredentialVerdict(stack, doc.config, req.env);
            notes.push(verdict.note);
            if (verdict.problem) lacking.push(`  ${verdict.problem.replace(/\n/g, "\n  ")}`);
        }
        const passphraseBackend = doc.encryptionsalt !== undefined || doc.secretsprovider === "passphrase";
        if (passphraseBackend && !req.env.PULUMI_CONFIG_PASSPHRASE && !req.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
            lacking.push(
                `  ${stack}: the passphrase its secrets are encrypted with. export ` +
                    `PULUMI_CONFIG_PASSPHRASE=<passphrase> (or PULUMI_CONFIG_PASSPHRASE_FILE=<file>)`,
            );
        }
    }
    if (lacking.length > 0) {
        return { ok: false, problem: "secret-missing", message: `Missing secrets for ${req.action}:\n${lacking.join("\n")}` };
    }
    return {
        ok: true,
        backend,
        cliVersion: version.stdout.trim(),
        stacks: running.map((s) => s.stack),
        skipped,
        ...(notes.length ? { notes } : {}),
    };
}
