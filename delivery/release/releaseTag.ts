/**
 * The one rule for release tags: an annotated tag `vX.Y.Z` (`git tag -a`) whose commit is on
 * main. CI deploys prod only from such a tag and rolls back only to one; the workflows check it
 * with .github/scripts/release-tag.sh (git only, before any of the tag's code runs), this module
 * checks the same for `npm run release -- verify-tag` and `npm run rollback`, and
 * tests/delivery/release/releaseTag.test.ts runs both on the same repositories.
 */
import { spawnSync } from "child_process";

export const RELEASE_TAG = /^v(\d+)\.(\d+)\.(\d+)$/;
export const RELEASE_TAG_RULE = "a release is an annotated tag vX.Y.Z (git tag -a vX.Y.Z -m '...') on a commit of main";

export interface TagCheck {
    readonly tag: string;
    /** The branch the commit must be on (`origin/main` in CI, `main` locally). */
    readonly mainRef: string;
    /** When set, the tag must still point at this commit (the one that was tested and built). */
    readonly sha?: string;
}

/** What is wrong with `tag` as a release tag in the repository at `repo`; empty when it is one. */
export function releaseTagProblems(repo: string, c: TagCheck): string[] {
    const git = (...args: string[]) => {
        const r = spawnSync("git", args, { cwd: repo, encoding: "utf8" });
        return { ok: r.status === 0, out: (r.stdout ?? "").trim() };
    };
    if (!RELEASE_TAG.test(c.tag)) return [`${c.tag} is not vX.Y.Z: ${RELEASE_TAG_RULE}`];
    const type = git("cat-file", "-t", `refs/tags/${c.tag}`);
    if (!type.ok) return [`${c.tag} does not exist here (git fetch --tags)`];
    const problems: string[] = [];
    if (type.out !== "tag") problems.push(`${c.tag} is a lightweight tag: ${RELEASE_TAG_RULE}`);
    const commit = git("rev-parse", `refs/tags/${c.tag}^{commit}`).out;
    if (c.sha !== undefined && commit !== c.sha)
        problems.push(`${c.tag} points at ${commit}, not at ${c.sha} (the commit that was tested and built)`);
    if (!git("rev-parse", "--verify", "--quiet", `${c.mainRef}^{commit}`).ok)
        problems.push(`${c.mainRef} does not exist here (git fetch origin main)`);
    else if (!git("merge-base", "--is-ancestor", commit, c.mainRef).ok)
        problems.push(`${c.tag} (${commit.slice(0, 12)}) is not on ${c.mainRef}: ${RELEASE_TAG_RULE}`);
    return problems;
}

/** `origin/main` when the clone has it (CI, any clone of the repository), else `main`. */
export function defaultMainRef(repo: string): string {
    return spawnSync("git", ["rev-parse", "--verify", "--quiet", "refs/remotes/origin/main"], { cwd: repo }).status === 0
        ? "origin/main"
        : "main";
}
