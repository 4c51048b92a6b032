/** Checks .github/workflows/images.yml: the four images, their Dockerfiles, pinned actions, permissions, tags. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

const repo = resolve(__dirname, "..", "..");
const workflowPath = join(repo, ".github", "workflows", "images.yml");

interface Step {
    uses?: string;
    with?: Record<string, unknown>;
    id?: string;
}
interface Job {
    if?: string;
    permissions?: Record<string, string>;
    strategy: { matrix: { include: { name: string; dockerfile: string }[] } };
    steps: Step[];
}
interface Workflow {
    on: { push: { branches: string[]; tags: string[] }; pull_request: unknown };
    permissions: Record<string, string>;
    jobs: Record<string, Job>;
}

const wf = parse(readFileSync(workflowPath, "utf8")) as Workflow;
const expected = new Map([
    ["todo-backend", "apps/todo/backend/Dockerfile"],
    ["todo-frontend", "apps/todo/frontend/Dockerfile"],
    ["sensor-producer", "apps/stream/producer/Dockerfile"],
    ["sensor-processor", "apps/stream/processor/Dockerfile"],
]);
const step = (job: Job, action: string) => job.steps.find((s) => s.uses?.startsWith(`${action}@`));

describe("images workflow (.github/workflows/images.yml)", () => {
    it("runs on pull requests, main and release tags vX.Y.Z", () => {
        assert.deepEqual(wf.on.push.branches, ["main"]);
        assert.deepEqual(wf.on.push.tags, ["v*.*.*"]);
        assert.ok("pull_request" in wf.on);
    });

    for (const name of ["build", "publish"]) {
        it(`job "${name}" builds all four images from the repository root (one npm workspace)`, () => {
            const job = wf.jobs[name]!;
            const include = job.strategy.matrix.include;
            assert.deepEqual(new Map(include.map((m) => [m.name, m.dockerfile])), expected);
            const build = step(job, "docker/build-push-action")!;
            assert.equal(build.with?.context, ".");
            assert.equal(build.with?.file, "${{ matrix.dockerfile }}");
            assert.equal(step(job, "docker/metadata-action")!.with?.images, "ghcr.io/${{ github.repository_owner }}/${{ matrix.name }}");
        });
    }

    for (const m of wf.jobs.publish!.strategy.matrix.include) {
        it(`${m.name}: ${m.dockerfile} exists (else the image build fails)`, () => {
            assert.ok(existsSync(join(repo, m.dockerfile)), `${m.dockerfile} does not exist`);
        });
    }

    it("pins every action to an exact release tag or full commit SHA", () => {
        const uses = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
        assert.ok(uses.length >= 8);
        for (const u of uses) {
            assert.doesNotMatch(u, /@(main|master|latest|HEAD)$/, u);
            assert.match(u, /^[\w.-]+\/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/, `${u} is not pinned to vX.Y.Z or a SHA`);
        }
    });

    it("grants least privilege: read-only by default, packages: write only in the pushing job", () => {
        assert.deepEqual(wf.permissions, { contents: "read" });
        const build = wf.jobs.build!;
        const publish = wf.jobs.publish!;
        assert.deepEqual(build.permissions, { contents: "read" });
        assert.equal(build.if, "github.event_name == 'pull_request'");
        assert.equal(step(build, "docker/build-push-action")!.with?.push, false);
        assert.equal(step(build, "docker/login-action"), undefined, "pull requests never log in");
        assert.deepEqual(publish.permissions, { contents: "read", packages: "write" });
        assert.equal(publish.if, "github.event_name == 'push'");
        assert.equal(step(publish, "docker/build-push-action")!.with?.push, true);
        assert.equal(step(publish, "docker/login-action")!.with?.registry, "ghcr.io");
    });

    it("tags releases with the semver version (v0.1.0 -> 0.1.0) and main with sha-<short>, never latest", () => {
        const meta = step(wf.jobs.publish!, "docker/metadata-action")!.with!;
        const tags = String(meta.tags)
            .split("\n")
            .map((t) => t.trim())
            .filter(Boolean);
        assert.ok(tags.includes("type=semver,pattern={{version}}"));
        assert.ok(tags.some((t) => t.startsWith("type=sha,prefix=sha-,format=short")));
        assert.match(String(meta.flavor), /latest=false/);
    });
});
