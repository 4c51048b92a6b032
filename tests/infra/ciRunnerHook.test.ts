/** The CI runner's job-started hook, run for real with each job's environment. */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderJobStartedHook } from "../../infra/ciRunnerHook";
import { requireDebianPackage } from "../support/debian";
import { tempDir } from "../support/tempDir";

describe("infra: CI runner VM (optional)", () => {
    describe("job-started hook (run for real with each job's environment)", () => {
        const dir = tempDir("runner-hook");
        const hook = (pullRequests: boolean) => {
            const file = path.join(dir, `hook-${pullRequests}.sh`);
            fs.writeFileSync(file, renderJobStartedHook({ repository: "o/r", pullRequests }));
            return file;
        };
        const event = (head: string) => {
            const file = path.join(dir, `event-${head.replace("/", "_")}.json`);
            fs.writeFileSync(file, JSON.stringify({ pull_request: { head: { repo: { full_name: head } } } }));
            return file;
        };
        const run = (file: string, env: Record<string, string>) =>
            spawnSync("bash", [file], { env: { PATH: process.env.PATH, GITHUB_REPOSITORY: "o/r", ...env }, encoding: "utf8" });
        const cases: [string, Record<string, string>, boolean, boolean][] = [
            [
                "deploy from main (workflow_run)",
                { GITHUB_EVENT_NAME: "workflow_run", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/deploy.yml@refs/heads/main" },
                true,
                true,
            ],
            [
                "rollback dispatched from main",
                { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/rollback.yml@refs/heads/main" },
                true,
                true,
            ],
            [
                "rollback dispatched from a branch",
                { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/rollback.yml@refs/heads/feature" },
                false,
                false,
            ],
            [
                "another workflow dispatched from main",
                { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/backdoor.yml@refs/heads/main" },
                false,
                false,
            ],
            [
                "a push of a branch",
                { GITHUB_EVENT_NAME: "push", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/deploy.yml@refs/heads/main" },
                false,
                false,
            ],
            [
                "a pull request of this repository",
                {
                    GITHUB_EVENT_NAME: "pull_request",
                    GITHUB_WORKFLOW_REF: "o/r/.github/workflows/preview.yml@refs/pull/7/merge",
                    GITHUB_EVENT_PATH: event("o/r"),
                },
                false,
                true,
            ],
            [
                "a fork's pull request",
                {
                    GITHUB_EVENT_NAME: "pull_request",
                    GITHUB_WORKFLOW_REF: "o/r/.github/workflows/preview.yml@refs/pull/8/merge",
                    GITHUB_EVENT_PATH: event("fork/r"),
                },
                false,
                false,
            ],
            [
                "pull_request_target",
                { GITHUB_EVENT_NAME: "pull_request_target", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/deploy.yml@refs/heads/main" },
                false,
                false,
            ],
            [
                "another repository",
                {
                    GITHUB_REPOSITORY: "x/r",
                    GITHUB_EVENT_NAME: "workflow_run",
                    GITHUB_WORKFLOW_REF: "x/r/.github/workflows/deploy.yml@refs/heads/main",
                },
                false,
                false,
            ],
        ];
        for (const [what, env, prodRunner, prRunner] of cases) {
            it(
                `${what}: ${prodRunner ? "runs" : "refused"} on a deploy-only (prod) ` +
                    `runner, ${prRunner ? "runs" : "refused"} on one that takes pull requests`,
                function () {
                    if (env.GITHUB_EVENT_PATH) requireDebianPackage(this, "jq");
                    const deployOnly = run(hook(false), env);
                    assert.equal(deployOnly.status === 0, prodRunner, deployOnly.stderr);
                    if (!prodRunner) assert.match(deployOnly.stderr, /::error::this runner refuses the job: /);
                    const withPrs = run(hook(true), env);
                    assert.equal(withPrs.status === 0, prRunner, withPrs.stderr);
                },
            );
        }
    });
});
