/**
 * The Pulumi CLI as `up`/`down`/`rollback` drive it: one spawned `pulumi` process per step,
 * streamed line by line, and the machine-readable answers they rely on (`preview --json`,
 * `stack history --json`, `stack export`). Driving the CLI directly (not the Automation API)
 * keeps every call visible and lets tests put a stand-in `pulumi` on PATH.
 */
import { spawn } from "child_process";
import type { CommandResult } from "./checks/preflight";

export interface PulumiCliOptions {
    /** The Pulumi project directory (`--cwd`). */
    readonly workDir: string;
    readonly env: NodeJS.ProcessEnv;
    /** Policy pack folder passed as `--policy-pack` to preview and up; none when undefined. */
    readonly policyPack?: string;
    /** The executable; `pulumi` from PATH by default. */
    readonly binary?: string;
}

export type LineSink = (line: string) => void;

/** Runs `pulumi <args>`, streaming stderr (and stdout unless captured) line by line; never throws. */
export function runPulumi(opts: PulumiCliOptions, args: string[], onLine?: LineSink, captureStdout = true): Promise<CommandResult> {
    return new Promise((resolve) => {
        let stdout = "";
        let stderr = "";
        const child = spawn(opts.binary ?? "pulumi", args, { cwd: opts.workDir, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
        const splitter = () => {
            let pending = "";
            return {
                push(chunk: string) {
                    pending += chunk;
                    const lines = pending.split("\n");
                    pending = lines.pop() ?? "";
                    for (const line of lines) if (line.trim() !== "") onLine?.(line);
                },
                flush() {
                    if (pending.trim() !== "") onLine?.(pending);
                },
            };
        };
        const out = splitter();
        const err = splitter();
        child.stdout.on("data", (d: Buffer) => {
            stdout += d.toString();
            if (!captureStdout) out.push(d.toString());
        });
        child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString();
            err.push(d.toString());
        });
        child.on("error", (e: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr, spawnError: e.code ?? e.message }));
        child.on("close", (code) => {
            out.flush();
            err.flush();
            resolve({ code, stdout, stderr });
        });
    });
}

/** One step of `pulumi preview --json` (the fields this tooling reads). */
export interface PreviewStep {
    readonly op: string;
    readonly urn: string;
    readonly diffReasons?: string[];
    readonly replaceReasons?: string[];
    /** Property path → kind of change (`outputs.kubeconfig`: {kind: "update"}). */
    readonly detailedDiff?: Record<string, { readonly kind?: string }>;
    /** The resource's state before and after; for the Stack resource `outputs` are its stack outputs (secrets as "[secret]"). */
    readonly oldState?: { readonly outputs?: Record<string, unknown> };
    readonly newState?: { readonly outputs?: Record<string, unknown> };
}

export interface PreviewDiagnostic {
    readonly severity?: string;
    readonly message?: string;
    readonly urn?: string;
}

export interface PreviewJson {
    readonly steps: PreviewStep[];
    readonly changeSummary: Record<string, number>;
    readonly diagnostics: PreviewDiagnostic[];
}

/** Parses `pulumi preview --json` output; undefined when stdout holds no JSON document. */
export function parsePreviewJson(stdout: string): PreviewJson | undefined {
    const start = stdout.indexOf("{");
    if (start < 0) return undefined;
    try {
        const doc = JSON.parse(stdout.slice(start)) as Partial<PreviewJson>;
        return { steps: doc.steps ?? [], changeSummary: doc.changeSummary ?? {}, diagnostics: doc.diagnostics ?? [] };
    } catch {
        return undefined;
    }
}

/** The newest update of a stack (`stack history --json --page-size 1`): its version and counts. */
export interface StackVersion {
    /** 0 for a stack that was never updated. */
    readonly version: number;
    readonly resourceChanges: Record<string, number>;
    /** The update's metadata the CLI records (`git.head`, `git.dirty`, ...). */
    readonly environment: Record<string, string>;
}

export function parseHistory(stdout: string): StackVersion {
    const list = JSON.parse(stdout.trim() || "[]") as {
        version?: number;
        resourceChanges?: Record<string, number>;
        environment?: Record<string, string>;
    }[];
    const newest = list[0];
    return { version: newest?.version ?? 0, resourceChanges: newest?.resourceChanges ?? {}, environment: newest?.environment ?? {} };
}

/** `pulumi stack output --json` (without --show-secrets: secret values read "[secret]"). */
export function parseStackOutputs(stdout: string): Record<string, unknown> {
    const doc = JSON.parse(stdout.trim() || "{}") as unknown;
    return doc !== null && typeof doc === "object" && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
}

/** A resource of `pulumi stack export` (checkpoint v3). */
export interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly custom?: boolean;
    readonly protect?: boolean;
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
    readonly parent?: string;
}

export function parseExport(stdout: string): StateResource[] {
    const doc = JSON.parse(stdout) as { deployment?: { resources?: StateResource[] } };
    return doc.deployment?.resources ?? [];
}

/** `urn:pulumi:<stack>::<project>::<parent$type>::<name>` → type and name. */
export function urnParts(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const typeChain = parts[2] ?? "";
    return { type: typeChain.split("$").pop() ?? typeChain, name: parts.slice(3).join("::") };
}

/** Why a failed `pulumi` call failed, in one block (stderr, else the error diagnostics). */
export function failureText(result: CommandResult, preview?: PreviewJson): string {
    const diags = (preview?.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => (d.message ?? "").trim());
    return (
        [result.spawnError ? `could not start pulumi: ${result.spawnError}` : "", result.stderr.trim(), ...diags]
            .filter(Boolean)
            .join("\n") || `exit ${result.code}`
    );
}
