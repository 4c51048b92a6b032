/**
 * The offline stand-in for a preview when no Pulumi backend can be reached: the synth diff of
 * this checkout against a base ref (the newest release tag for production environments, main
 * otherwise, or `--from <ref>`). It is what the code changes, not what the cloud would see.
 */
import { execFileSync } from "child_process";
import { diffSynth } from "./diff";
import { synthHead } from "../synth/head";
import { renderReport } from "./markdown";
import { synthRef } from "../synth/worktree";
import { PRODUCTION_ENV } from "../deploy/confirmation";

function git(repo: string, args: string[]): string | undefined {
    try {
        return execFileSync("git", args, { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
    } catch {
        return undefined;
    }
}

/** The ref an environment's offline diff compares with. */
export function offlineBase(repo: string, env: string, from?: string): string | undefined {
    if (from) return from;
    if (PRODUCTION_ENV.test(env)) return git(repo, ["describe", "--tags", "--abbrev=0", "--match", "v[0-9]*.[0-9]*.[0-9]*", "HEAD"]);
    for (const ref of ["origin/main", "main"]) if (git(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])) return ref;
    return undefined;
}

export async function offlineDiff(repo: string, env: string, stacks: string[], log: (line: string) => void, from?: string): Promise<void> {
    const base = offlineBase(repo, env, from);
    if (!base) {
        log("(no base ref for an offline diff: pass --from <ref>)");
        return;
    }
    try {
        const before = await synthRef(repo, base, { stacks, log });
        const head = await synthHead(stacks);
        const report = renderReport({
            base: `${base} (${before.commit.slice(0, 12)})`,
            head: "this checkout",
            stacks: stacks
                .filter((s) => !before.errors.has(s) && !head.errors.has(s))
                .map((s) => diffSynth(before.results.get(s), head.results.get(s))),
            errors: [
                ...[...before.errors].map(([stack, message]) => ({ stack, side: "base" as const, message })),
                ...[...head.errors].map(([stack, message]) => ({ stack, side: "head" as const, message })),
            ],
        });
        log(report.split("\n").slice(1).join("\n"));
    } catch (err) {
        log(`(offline diff against ${base} failed: ${(err as Error).message})`);
    }
}
