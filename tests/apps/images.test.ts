import * as assert from "node:assert/strict";
import { parseAppsConfig } from "../../apps/config";
import { parseGitHubRemote, resolveRepository } from "../../apps/repository";
import { configProblems } from "../support/config";

const BASE: Record<string, string> = {
    environment: "dev",
    airflowHost: "airflow.example.org",
    todoHost: "todo.example.org",
    appsImageTag: "1.4.0",
};
const REPO = { owner: "My-Org", name: "platform", source: "test" };
const parse = (values: Record<string, string | undefined>, repository: typeof REPO | null = REPO) =>
    parseAppsConfig((k) => ({ ...BASE, ...values })[k], "data-platform", "test", { repository: repository ?? undefined });

describe("apps: own images and the repository they come from", () => {
    it("names the repository owner's GHCR (lowercase) and one tag for the four own images; DAGs from the repository", () => {
        const cfg = parse({});
        assert.equal(cfg.todo.backendImage, "ghcr.io/my-org/todo-backend:1.4.0");
        assert.equal(cfg.todo.frontendImage, "ghcr.io/my-org/todo-frontend:1.4.0");
        assert.equal(cfg.stream.producerImage, "ghcr.io/my-org/sensor-producer:1.4.0");
        assert.equal(cfg.stream.processorImage, "ghcr.io/my-org/sensor-processor:1.4.0");
        assert.equal(cfg.airflow.dagsRepo, "https://github.com/My-Org/platform.git");
        assert.equal(parse({ appsImageTag: "sha-1a2b3c4" }).todo.backendImage, "ghcr.io/my-org/todo-backend:sha-1a2b3c4");
        assert.equal(
            parse({ imageRegistry: "registry.example.org/team" }).todo.backendImage,
            "registry.example.org/team/todo-backend:1.4.0",
        );
        assert.equal(
            parse({ todoBackendImage: "registry.example.org/x/backend:2.0.0" }).todo.backendImage,
            "registry.example.org/x/backend:2.0.0",
            "a full image key wins",
        );
    });

    it("without a known repository: says what to set instead of guessing an owner", () => {
        const problems = configProblems(() => parse({}, null)).join("\n");
        assert.match(
            problems,
            new RegExp(
                /data-platform:imageRegistry = \(unset\): is unset and the repository/.source +
                    / owner is unknown .*pulumi config set imageRegistry ghcr\.io\/<owner>/.source,
            ),
        );
        assert.match(problems, /data-platform:airflowDagsRepo = \(unset\): is unset and the repository is unknown/);
        assert.equal(
            parse({ imageRegistry: "ghcr.io/team", airflowDagsRepo: "https://git.example.org/dags.git" }, null).todo.backendImage,
            "ghcr.io/team/todo-backend:1.4.0",
        );
    });

    it("refuses placeholders and tags the images workflow never pushes", () => {
        assert.match(
            configProblems(() => parse({ todoBackendImage: "ghcr.io/<owner>/todo-backend:1.0.0" })).join("\n"),
            /todoBackendImage .*has name component "<owner>"/,
        );
        assert.match(
            configProblems(() => parse({ appsImageTag: "latest" })).join("\n"),
            /appsImageTag = "latest": .*"1\.4\.0" or a main build "sha-1a2b3c4"/,
        );
        assert.match(
            configProblems(() => parse({ appsImageTag: undefined })).join("\n"),
            /appsImageTag = \(unset\): is required for todoBackendImage/,
        );
    });

    it("finds the repository: PLATFORM_REPOSITORY, then GITHUB_REPOSITORY, then the origin remote", () => {
        assert.deepEqual(parseGitHubRemote("git@github.com:Some-Org/data-platform.git"), { owner: "Some-Org", name: "data-platform" });
        assert.deepEqual(parseGitHubRemote("https://github.com/some-org/data-platform"), { owner: "some-org", name: "data-platform" });
        assert.deepEqual(parseGitHubRemote("https://x-access-token@github.com/o/r.git"), { owner: "o", name: "r" });
        assert.equal(parseGitHubRemote("https://gitlab.com/o/r.git"), undefined);
        const origin = () => "git@github.com:from-remote/repo.git";
        assert.equal(resolveRepository({ PLATFORM_REPOSITORY: "a/b", GITHUB_REPOSITORY: "c/d" }, origin)?.owner, "a");
        assert.equal(resolveRepository({ GITHUB_REPOSITORY: "c/d" }, origin)?.source, "GITHUB_REPOSITORY");
        assert.deepEqual(resolveRepository({}, origin), { owner: "from-remote", name: "repo", source: "the origin remote" });
        assert.equal(
            resolveRepository({}, () => undefined),
            undefined,
        );
    });
});
