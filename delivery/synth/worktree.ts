/**
 * Synth of another git ref with THAT ref's code: a detached `git worktree` of the ref under the
 * temp dir, its dependencies (a symlink to this checkout's node_modules when the lockfiles are
 * identical, `npm ci` otherwise), then its own synth entry point, whose out/synth/*.json are read
 * back. The worktree is removed afterwards.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SynthResult } from "./synth";

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

export interface Worktree {
    readonly ref: string;
    readonly commit: string;
    /** The checkout of the ref, with node_modules in place. */
    readonly dir: string;
    /** Removes the worktree (idempotent). */
    dispose(): void;
}

/** A detached worktree of `ref` under the temp dir, ready to run that ref's code. */
export function openWorktree(repo: string, ref: string, log: (line: string) => void = () => undefined): Worktree {
    const commit = resolveRef(repo, ref);
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "data-platform-ref-"));
    const dir = path.join(parent, "tree");
    git(repo, ["worktree", "add", "--detach", "--quiet", dir, commit]);
    let disposed = false;
    const dispose = () => {
        if (disposed) return;
        disposed = true;
        try {
            git(repo, ["worktree", "remove", "--force", dir]);
        } catch {
            spawnSync("git", ["worktree", "prune"], { cwd: repo });
        }
        fs.rmSync(parent, { recursive: true, force: true });
    };
    try {
        if (fs.existsSync(path.join(dir, "node_modules"))) {
            // Committed (a vendored tree or a link): use it as it is.
        } else if (sameLockfile(repo, commit)) {
            fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
        } else {
            log(`${ref}: package-lock.json differs from this checkout; npm ci in the worktree ...`);
            const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8", env: installEnv(process.env) });
            if (ci.status !== 0) throw new Error(`npm ci for ${ref} failed:\n${ci.stderr}`);
        }
    } catch (err) {
        dispose();
        throw err;
    }
    return { ref, commit, dir, dispose };
}

/** Where a ref keeps its synth entry point: delivery/bin/ today, scripts/ in releases before the delivery folder. */
const SYNTH_ENTRY_POINTS = ["delivery/bin/synth.ts", "scripts/synth.ts"];

/** Runs the worktree's own synth entry point for `stacks`; failing stacks are isolated and reported. */
export function synthInWorktree(
    tree: Worktree,
    stacks: string[],
    log: (line: string) => void = () => undefined,
): { results: Map<string, SynthResult>; errors: Map<string, string> } {
    const results = new Map<string, SynthResult>();
    const errors = new Map<string, string>();
    if (stacks.length === 0) return { results, errors };
    const entry = SYNTH_ENTRY_POINTS.find((p) => fs.existsSync(path.join(tree.dir, p)));
    if (entry === undefined) {
        throw new Error(
            `${tree.ref} (${tree.commit.slice(0, 12)}) has no ${SYNTH_ENTRY_POINTS.join(" or ")}: it predates the offline synth`,
        );
    }
    const tsx = path.join(tree.dir, "node_modules", ".bin", "tsx");
    const runSynth = (which: string[]) => spawnSync(tsx, [entry, ...which], { cwd: tree.dir, encoding: "utf8" });
    const read = (stack: string) => {
        const file = path.join(tree.dir, "out", "synth", `${stack}.json`);
        if (fs.existsSync(file)) results.set(stack, JSON.parse(fs.readFileSync(file, "utf8")) as SynthResult);
    };
    log(`${tree.ref}: synth ${stacks.join(", ")} with the code of ${tree.commit.slice(0, 12)} ...`);
    const first = runSynth(stacks);
    stacks.forEach(read);
    if (first.status !== 0) {
        // One failing stack stops the ref's script: run the rest one by one to isolate it.
        for (const stack of stacks.filter((s) => !results.has(s))) {
            const one = runSynth([stack]);
            if (one.status === 0) read(stack);
            else errors.set(stack, (one.stderr || one.stdout).trim() || `exit ${one.status}`);
        }
    }
    return { results, errors };
}

export async function synthRef(repo: string, ref: string, options: SynthRefOptions = {}): Promise<RefSynth> {
    const log = options.log ?? (() => undefined);
    const commit = resolveRef(repo, ref);
    const all = stacksAt(repo, commit);
    const stacks = options.stacks ? options.stacks.filter((s) => all.includes(s)) : all;
    if (stacks.length === 0) return { ref, commit, results: new Map(), errors: new Map(), stacks: all };
    const tree = openWorktree(repo, ref, log);
    try {
        return { ref, commit, ...synthInWorktree(tree, stacks, log), stacks: all };
    } finally {
        tree.dispose();
    }
}

/** Names (regex alternatives) of the variables an install keeps: the basics, npm's settings and proxies. */
const INSTALL_ENV = [
    ...["PATH", "HOME", "USER", "SHELL", "LANG", "LC_[A-Z]+", "TMPDIR", "TMP", "TEMP", "CI", "NODE_EXTRA_CA_CERTS"],
    ...["npm_config_.*", "NPM_CONFIG_.*", "(https?|no)_proxy", "(HTTPS?|NO)_PROXY"],
];

/**
 * The environment an install runs with: what npm needs to reach its registry, nothing else. In CI
 * the rollback step holds the stack and cloud secrets; the tag's install scripts never see them.
 */
export function installEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const keep = new RegExp(`^(${INSTALL_ENV.join("|")})$`);
    return Object.fromEntries(Object.entries(env).filter(([k]) => keep.test(k)));
}
