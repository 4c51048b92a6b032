/**
 * One release-tag rule, the same in the workflows' script, in the code, in README and docs:
 * both implementations judge the same throw-away repositories alike.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RELEASE_TAG, releaseTagProblems } from "../../../delivery/release/releaseTag";
import { installEnv } from "../../../delivery/synth/worktree";
import { ROOT } from "../../../delivery/synth/stacks";
import { tempDir } from "../../support/tempDir";

const SCRIPT = path.join(ROOT, ".github", "scripts", "release-tag.sh");

function fixtureRepo(): { dir: string; main: string; side: string } {
    const dir = tempDir("release-tag");
    const git = (...args: string[]) =>
        execFileSync("git", args, {
            cwd: dir,
            encoding: "utf8",
            env: {
                ...process.env,
                GIT_AUTHOR_NAME: "t",
                GIT_AUTHOR_EMAIL: "t@example.org",
                GIT_COMMITTER_NAME: "t",
                GIT_COMMITTER_EMAIL: "t@example.org",
            },
        }).trim();
    git("init", "-q", "-b", "main");
    git("commit", "-q", "--allow-empty", "-m", "one");
    const main = git("rev-parse", "HEAD");
    git("tag", "-a", "v1.0.0", "-m", "release");
    git("tag", "v1.0.1");
    git("tag", "-a", "release-1", "-m", "not vX.Y.Z");
    git("checkout", "-q", "-b", "side");
    git("commit", "-q", "--allow-empty", "-m", "unreviewed");
    const side = git("rev-parse", "HEAD");
    git("tag", "-a", "v1.1.0", "-m", "off main");
    git("checkout", "-q", "main");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return { dir, main, side };
}

describe("delivery: the release-tag rule", () => {
    const repo = fixtureRepo();
    const cases: [string, { tag: string; sha?: string }, boolean][] = [
        ["annotated vX.Y.Z on main", { tag: "v1.0.0" }, true],
        ["… and still on the built commit", { tag: "v1.0.0", sha: repo.main }, true],
        ["… but no longer on the built commit", { tag: "v1.0.0", sha: repo.side }, false],
        ["lightweight", { tag: "v1.0.1" }, false],
        ["not vX.Y.Z", { tag: "release-1" }, false],
        ["annotated, but on a branch that is not main", { tag: "v1.1.0" }, false],
        ["missing", { tag: "v9.9.9" }, false],
    ];
    for (const [what, c, ok] of cases) {
        it(`${what}: ${ok ? "a release" : "refused"} by the code and by the workflows' script alike`, () => {
            const code = releaseTagProblems(repo.dir, { ...c, mainRef: "main" });
            const script = spawnSync("bash", [SCRIPT, c.tag, "main", ...(c.sha ? [c.sha] : [])], { cwd: repo.dir, encoding: "utf8" });
            assert.equal(code.length === 0, ok, code.join("; "));
            assert.equal(script.status === 0, ok, script.stdout + script.stderr);
            if (!ok) assert.match(script.stdout, /::error::/);
        });
    }

    it("the pattern is the one the workflows trigger on and the rule README and docs state", () => {
        assert.ok(RELEASE_TAG.test("v1.2.3") && !RELEASE_TAG.test("v1.2") && !RELEASE_TAG.test("1.2.3"));
        for (const doc of ["README.md", "docs/delivery.md"]) {
            const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
            const tagCommands = [...text.matchAll(/^\s*(git tag .*)$/gm)].map((m) => m[1]);
            assert.ok(tagCommands.length > 0, `${doc} shows how to tag a release`);
            for (const cmd of tagCommands)
                assert.match(cmd, /^git tag -a v\d+\.\d+\.\d+ -m /, `${doc}: "${cmd}" makes an annotated release tag`);
            assert.match(text.replace(/\s+/g, " "), /an annotated tag `vX\.Y\.Z` on a commit of main/, `${doc} states the rule`);
        }
    });

    it("the tag's install in a rollback worktree gets no stack or cloud secret from the environment", () => {
        const env = installEnv({
            PATH: "/bin",
            HOME: "/h",
            npm_config_cache: "/c",
            HTTPS_PROXY: "p",
            PULUMI_ACCESS_TOKEN: "x",
            PULUMI_CONFIG_PASSPHRASE: "x",
            OS_APPLICATION_CREDENTIAL_SECRET: "x",
            GITHUB_TOKEN: "x",
            AWS_SECRET_ACCESS_KEY: "x",
        });
        assert.deepEqual(Object.keys(env).sort(), ["HOME", "HTTPS_PROXY", "PATH", "npm_config_cache"]);
    });
});
