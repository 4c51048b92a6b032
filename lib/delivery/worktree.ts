/**
 * Synth of another git ref with THAT ref's code: a detached `git worktree` of the ref under the
 * temp dir, its dependencies (a symlink to this checkout's node_modules when the lockfiles are
 * identical, `npm ci` otherwise), then its own `scripts/synth.ts`, whose out/synth/*.json are read
 * back. The worktree is removed afterwards.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SynthResult } from "../synth/synth";

export interface RefSynth {
    readonly ref: string;
    /** The commit the ref resolved to. */
    readonly commit: string;
    readonly results: Map<string, SynthResult>;
    /** Stacks that failed to synthesize, with the error output. */
    readonly errors: Map<string, string>;
    /** Stacks with a config file at the ref. */
    readonly stacks: string[];
}

function git(repo: string, args: string[]): string {
    return execFileSync("git", args, { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** The commit a ref names, or an error saying the ref is unknown. */
export function resolveRef(repo: string, ref: string): string {
    try {
        return git(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    } catch {
        throw new Error(`Unknown git ref "${ref}" (try: git fetch --tags origin, or a branch/commit that exists here)`);
    }
}

/** Stacks with a config file at a commit. */
export function stacksAt(repo: string, commit: string): string[] {
    const listing = git(repo, ["ls-tree", "--name-only", `${commit}:stacks`]);
    return listing
        .split("\n")
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

function sameLockfile(repo: string, commit: string): boolean {
    const here = path.join(repo, "package-lock.json");
    if (!fs.existsSync(here)) return false;
    try {
        const there = execFileSync("git", ["show", `${commit}:package-lock.json`], { cwd: repo, stdio: ["ignore", "pipe", "ignore"] });
        return there.equals(fs.readFileSync(here));
    } catch {
        return false;
    }
}

export interface SynthRefOptions {
    /** Only these stacks (default: every stack at the ref). */
    readonly stacks?: string[];
    /** Progress lines (to stderr in the scripts). */
    readonly log?: (line: string) => void;
}

export async function synthRef(repo: string, ref: string, options: SynthRefOptions = {}): Promise<RefSynth> {
    const log = options.log ?? (() => undefined);
    const commit = resolveRef(repo, ref);
    const all = stacksAt(repo, commit);
    const stacks = options.stacks ? options.stacks.filter((s) => all.includes(s)) : all;
    const results = new Map<string, SynthResult>();
    const errors = new Map<string, string>();
    if (stacks.length === 0) return { ref, commit, results, errors, stacks: all };

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-platform-ref-"));
    const tree = path.join(dir, "tree");
    git(repo, ["worktree", "add", "--detach", "--quiet", tree, commit]);
    try {
        if (sameLockfile(repo, commit)) {
            fs.symlinkSync(path.join(repo, "node_modules"), path.join(tree, "node_modules"), "dir");
        } else {
            log(`${ref}: package-lock.json differs from this checkout; npm ci in the worktree ...`);
            const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: tree, encoding: "utf8" });
            if (ci.status !== 0) throw new Error(`npm ci for ${ref} failed:\n${ci.stderr}`);
        }
        if (!fs.existsSync(path.join(tree, "scripts", "synth.ts"))) {
            throw new Error(`${ref} (${commit.slice(0, 12)}) has no scripts/synth.ts: it predates the offline synth`);
        }
        const tsx = path.join(tree, "node_modules", ".bin", "tsx");
        const runSynth = (which: string[]) => spawnSync(tsx, ["scripts/synth.ts", ...which], { cwd: tree, encoding: "utf8" });
        log(`${ref}: synth ${stacks.join(", ")} with the code of ${commit.slice(0, 12)} ...`);
        const first = runSynth(stacks);
        const read = (stack: string) => {
            const file = path.join(tree, "out", "synth", `${stack}.json`);
            if (fs.existsSync(file)) results.set(stack, JSON.parse(fs.readFileSync(file, "utf8")) as SynthResult);
        };
        stacks.forEach(read);
        if (first.status !== 0) {
            // One failing stack stops the ref's script: run the rest one by one to isolate it.
            for (const stack of stacks.filter((s) => !results.has(s))) {
                const one = runSynth([stack]);
                if (one.status === 0) read(stack);
                else errors.set(stack, (one.stderr || one.stdout).trim() || `exit ${one.status}`);
            }
        }
    } finally {
        try {
            git(repo, ["worktree", "remove", "--force", tree]);
        } catch {
            // Already gone: prune the bookkeeping.
            spawnSync("git", ["worktree", "prune"], { cwd: repo });
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return { ref, commit, results, errors, stacks: all };
}
