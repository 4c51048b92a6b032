/**
 * The runner's job-started hook (pure render): the runner executes it before every job
 * (ACTIONS_RUNNER_HOOK_JOB_STARTED) and fails the job when it exits non-zero. It is root-owned
 * on the VM, outside anything a job can write, so a pull request cannot edit it the way it can
 * edit its own copy of a workflow file. It admits:
 * - jobs of the deploy and rollback workflows as they are on main (`GITHUB_WORKFLOW_REF`), run
 *   by workflow_run / workflow_dispatch: what may touch an environment;
 * - only on a runner that allows them (`ciRunnerPullRequests`, never prod): pull-request jobs of
 *   this repository's own branches, not forks.
 */
import type { CiRunnerConfig } from "./ciRunnerConfig";

/** The workflows whose jobs may run on an environment's runner, from main. */
export const DEPLOY_WORKFLOWS = ["deploy.yml", "rollback.yml"] as const;

export function renderJobStartedHook(runner: Pick<CiRunnerConfig, "repository" | "pullRequests">): string {
    const allowed = DEPLOY_WORKFLOWS.map((w) => `${runner.repository}/.github/workflows/${w}@refs/heads/main`);
    return [
        "#!/bin/bash",
        "# Job-started hook of this runner (infra/ciRunnerHook.ts): which jobs may run here.",
        "set -euo pipefail",
        `repo='${runner.repository}'`,
        'refuse() { echo "::error::this runner refuses the job: $1" >&2; exit 1; }',
        '[ "${GITHUB_REPOSITORY:-}" = "$repo" ] || refuse "repository ${GITHUB_REPOSITORY:-?} is not $repo"',
        'case "${GITHUB_EVENT_NAME:-}" in',
        "  workflow_run|workflow_dispatch)",
        '    case "${GITHUB_WORKFLOW_REF:-}" in',
        `      ${allowed.map((a) => `'${a}'`).join("|")}) exit 0 ;;`,
        '      *) refuse "workflow ${GITHUB_WORKFLOW_REF:-?} is not deploy.yml or rollback.yml on main" ;;',
        "    esac ;;",
        "  pull_request)",
        ...(runner.pullRequests
            ? [
                  "    # This repository's own branches only; a fork's pull request never runs here.",
                  '    head=$(jq -r \'.pull_request.head.repo.full_name // ""\' "${GITHUB_EVENT_PATH:-/dev/null}" 2>/dev/null || true)',
                  '    [ "$head" = "$repo" ] || refuse "pull request from ${head:-an unknown repository}, not a branch of $repo"',
                  "    exit 0 ;;",
              ]
            : ['    refuse "pull-request jobs never run on this runner (ciRunnerPullRequests is off)" ;;']),
        '  *) refuse "event ${GITHUB_EVENT_NAME:-?}" ;;',
        "esac",
        "",
    ].join("\n");
}
