/**
 * `npm run diff -- <base-ref>` end to end, in a throw-away git repository under the temp dir that
 * holds this checkout's files (node_modules linked): the base commit synthesizes with its own code
 * in a worktree, the head in-process; a stack-file change to one agent's image must come out as
 * exactly one replacement with its reason. The script itself (exit code, stdout, --out) is run as a
 * process once; the other cases call its runDiff in-process, which saves a process start and a
 * load of the whole program each.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../../delivery/synth/stacks";
import { FIXTURE_STACKS } from "../../support/stacks";
import { diffExitCode, inPullRequestJob } from "../../../delivery/diff/diff";
import { runDiff } from "../../../delivery/bin/diff";
import { tempDir } from "../../support/tempDir";

/** runDiff in-process on `root`, with what it prints and logs. */
async function diffIn(
    root: string,
    argv: string[],
    env: NodeJS.ProcessEnv = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const status = await runDiff(argv, { root, env, print: (text) => (stdout += text), log: (line) => (stderr += `${line}\n`) });
    return { status, stdout, stderr };
}

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", args, {
        cwd,
        encoding: "utf8",
        env: {
            ...process.env,
            GIT_AUTHOR_NAME: "t",
            GIT_AUTHOR_EMAIL: "t@example.org",
            GIT_COMMITTER_NAME: "t",
            GIT_COMMITTER_EMAIL: "t@example.org",
        },
    });
}

describe("delivery: npm run diff (end to end, temp git repo)", function () {
    this.timeout(90000);
    let repo: string;

    before(() => {
        repo = tempDir("delivery-diff-repo");
        // This checkout's tracked and new files (not ignored ones), as they are now.
        const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
            .split("\0")
            .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
        for (const f of files) {
            fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, f), path.join(repo, f));
        }
        // The test's own stack files, not the user's: the assertions below name fixture values.
        fs.rmSync(path.join(repo, "stacks"), { recursive: true, force: true });
        fs.cpSync(FIXTURE_STACKS, path.join(repo, "stacks"), { recursive: true });
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", "-A");
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
        git(repo, "commit", "-q", "-m", "base");
        git(repo, "tag", "-a", "v1.0.0", "-m", "release 1.0.0");
        const file = path.join(repo, "stacks", "Pulumi.dev-infra.yaml");
        fs.appendFileSync(file, `  data-platform:nodeOverrides: '{"agent-1": {"image": "Ubuntu 24.04 v2"}}'\n`);
        git(repo, "commit", "-q", "-am", "agent-1 on the new image");
    });

    after(() => {
        if (repo) fs.rmSync(repo, { recursive: true, force: true });
    });

    it("shows the agent image change as the agent's replacement (and its commands'), with the reason, and exits 0", () => {
        const run = spawnSync(
            process.execPath,
            ["--import", "tsx", "delivery/bin/diff.ts", "v1.0.0", "--stack", "dev-infra", "--out", "diff.md"],
            { cwd: repo, encoding: "utf8" },
        );
        assert.equal(run.status, 0, run.stderr);
        const md = fs.readFileSync(path.join(repo, "diff.md"), "utf8");
        assert.equal(run.stdout, md);
        assert.match(md, /^<!-- data-platform:synth-diff -->\n## Synth diff: `v1\.0\.0 \([0-9a-f]{12}\)` → /);
        assert.match(md, /### `dev-infra`: 0 to create, 0 to update, 3 to replace, 0 to delete/);
        assert.equal((md.match(/\*\*REPLACE\*\*/g) ?? []).length, 3);
        assert.match(
            md,
            new RegExp(
                /🔁 \*\*REPLACE\*\* `dev-k3s-agent-1` \(`openstack:compute\/instance:Instance`\) \(why: /.source +
                    /[^)]*`imageName`[^)]*\) because .*`imageName` changed \(replaceOnChanges: `imageName`\)/.source,
            ),
        );
        assert.match(md, /🔁 \*\*REPLACE\*\* `dev-k3s-agent-1-lifecycle` \(`command:local:Command`\) \(why: `triggers`\)/);
        assert.match(md, /`imageName`: `Ubuntu 24\.04` → `Ubuntu 24\.04 v2`/);
        assert.equal(git(repo, "worktree", "list").trim().split("\n").length, 1, "the base worktree is removed");
    });

    it("rollback --plan to the tag: shows the diff per layer and the verdict, without the CLI", () => {
        const run = spawnSync(process.execPath, ["--import", "tsx", "delivery/bin/rollback.ts", "v1.0.0", "dev", "--plan"], {
            cwd: repo,
            encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /# Rollback of dev to v1\.0\.0/);
        assert.match(run.stdout, /\*\*REPLACE\*\* `dev-k3s-agent-1`/);
        assert.match(run.stdout, /Verdict: safe to roll back; `up` runs per layer in order: dev-infra/);
        assert.doesNotMatch(run.stderr, /not an annotated release tag/);
    });

    it(
        "a head that does not validate: the report says so first; " + "exit 1 locally, 0 in the PR job (--pr) so the comment is updated",
        async () => {
            fs.appendFileSync(path.join(repo, "stacks", "Pulumi.dev-cluster.yaml"), `  data-platform:kafkaBrokers: "many"\n`);
            git(repo, "commit", "-q", "-am", "broken head");
            const out = path.join(repo, "diff.md");
            const local = await diffIn(repo, ["v1.0.0", "--stack", "dev-cluster", "--out", out], { GITHUB_EVENT_NAME: "" });
            assert.equal(local.status, 1, local.stderr);
            assert.match(local.stdout, /### ❌ The head does not validate: `dev-cluster`[\s\S]*kafkaBrokers/);
            assert.equal(local.stdout, fs.readFileSync(out, "utf8"), "the report is written all the same");
            // The same run in the PR job exits 0 (the decision, without a second slow run):
            assert.equal(diffExitCode(1, inPullRequestJob({ GITHUB_EVENT_NAME: "pull_request" })), 0);
            assert.equal(diffExitCode(1, inPullRequestJob({ GITHUB_EVENT_NAME: "push" })), 1);
            assert.equal(diffExitCode(0, false), 0);
        },
    );

    it("exits 2 with a hint on an unknown ref", async () => {
        const run = await diffIn(repo, ["v9.9.9"]);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /Unknown git ref "v9\.9\.9"/);
    });
});
