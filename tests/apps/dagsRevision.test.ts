/** Which DAGs Airflow runs: prod the release's, never a branch head; only the dag-processor syncs them. */
import * as assert from "node:assert/strict";
import { parseAppsConfig } from "../../apps/config";
import { ConfigValidationError } from "../../lib/config/reader";
import { chartValidator, chartValues } from "./airflowChart";

const SHA = "0123456789abcdef0123456789abcdef01234567";

function config(overrides: Record<string, string>) {
    const values: Record<string, string> = {
        environment: "dev",
        airflowHost: "airflow.example.org",
        airflowDagsRepo: "https://github.com/acme/data-platform.git",
        airflowDagsBranch: "trunk",
        todoHost: "todo.example.org",
        imageRegistry: "ghcr.io/acme",
        ...overrides,
    };
    return parseAppsConfig((k) => values[k], "data-platform", "test");
}
const values = (overrides: Record<string, string>) => chartValues(config(overrides).airflow) as any;
const gitSync = (overrides: Record<string, string>) => values(overrides).dags;
function problems(overrides: Record<string, string>): string[] {
    try {
        config(overrides);
    } catch (e) {
        assert.ok(e instanceof ConfigValidationError);
        return e.problems.map((p) => `${p.key.replace("data-platform:", "")}: ${p.message}`);
    }
    return [];
}

describe("DAG revision and who syncs it", () => {
    it("prod deploying a release runs that release's tag, not the branch head", () => {
        const d = gitSync({ environment: "prod", appsImageTag: "2.3.4" });
        assert.deepEqual({ ref: d.gitSync.ref, rev: d.gitSync.rev }, { ref: "v2.3.4", rev: "v2.3.4" });
    });

    it("prod may pin a release tag or a full commit explicitly", () => {
        assert.equal(gitSync({ environment: "prod", appsImageTag: "sha-1a2b3c4", airflowDagsRev: SHA }).gitSync.ref, SHA);
        assert.equal(gitSync({ environment: "prod", appsImageTag: "2.3.4", airflowDagsRev: "v2.3.3" }).gitSync.ref, "v2.3.3");
    });

    it("prod without a release or a pin is refused, naming airflowDagsRev; a branch is never a pin", () => {
        assert.ok(
            problems({ environment: "prod", appsImageTag: "sha-1a2b3c4" }).some((p) => /^airflowDagsRev: is required in prod/.test(p)),
        );
        assert.ok(
            problems({ environment: "prod", appsImageTag: "2.3.4", airflowDagsRev: "main" }).some((p) => p.startsWith("airflowDagsRev:")),
        );
        assert.ok(
            problems({ environment: "prod", appsImageTag: "2.3.4", airflowDagsRev: "0123abc" }).some((p) =>
                p.startsWith("airflowDagsRev:"),
            ),
            "a short SHA",
        );
    });

    it("dev follows its branch (or the release it deploys)", () => {
        const d = gitSync({ appsImageTag: "sha-1a2b3c4" });
        assert.deepEqual(
            { branch: d.gitSync.branch, ref: d.gitSync.ref, rev: d.gitSync.rev },
            { branch: "trunk", ref: "trunk", rev: "HEAD" },
        );
        assert.equal(gitSync({ appsImageTag: "2.3.4" }).gitSync.ref, "v2.3.4");
    });

    it("the dag-processor carries the only git-sync: on the pinned ref, writing the chart's DAG folder in the claim", () => {
        const v = values({ environment: "prod", appsImageTag: "2.3.4", airflowDagsCredentialsSecret: "my-git" });
        const [sidecar] = v.dagProcessor.extraContainers;
        const env = Object.fromEntries(sidecar.env.map((e: any) => [e.name, e.value]));
        assert.equal(sidecar.image, "registry.k8s.io/git-sync/git-sync:v4.4.2");
        assert.deepEqual(
            { ref: env.GITSYNC_REF, root: env.GITSYNC_ROOT, link: env.GITSYNC_LINK, repo: env.GITSYNC_REPO },
            { ref: "v2.3.4", root: "/git", link: "repo", repo: "https://github.com/acme/data-platform.git" },
        );
        assert.deepEqual(sidecar.volumeMounts, [{ name: "dags", mountPath: "/git" }]);
        assert.deepEqual(sidecar.envFrom, [{ secretRef: { name: "my-git" } }]);
        assert.equal(sidecar.securityContext.runAsNonRoot, true);
        // The other pods mount the claim; the chart's git-sync containers are off with persistence on.
        assert.equal(v.triggerer.extraContainers, undefined);
        assert.equal(v.workers.extraInitContainers, undefined);
    });

    it("over SSH the sidecar uses the chart's key volume and known_hosts", () => {
        const v = values({
            appsImageTag: "sha-1a2b3c4",
            airflowDagsRepo: "git@github.com:acme/data-platform.git",
            airflowDagsSshKeySecret: "my-key",
            airflowDagsKnownHosts: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        });
        const [sidecar] = v.dagProcessor.extraContainers;
        assert.deepEqual(
            sidecar.volumeMounts.map((m: any) => m.name),
            ["dags", "git-sync-ssh-key", "config"],
        );
        assert.ok(sidecar.env.some((e: any) => e.name === "GITSYNC_SSH_KNOWN_HOSTS" && e.value === "true"));
        assert.equal(sidecar.envFrom, undefined);
    });

    it(
        "git-sync writes into the DAG claim: the chart then runs it in the " +
            "dag-processor only (no triggerer sidecar, no task-pod init container)",
        () => {
            const d = gitSync({ environment: "prod", appsImageTag: "2.3.4" });
            assert.deepEqual(d.persistence, { enabled: true, existingClaim: "airflow-dags" });
            assert.equal(d.gitSync.enabled, true);
            const validate = chartValidator();
            assert.ok(validate(values({ environment: "prod", appsImageTag: "2.3.4" })), JSON.stringify(validate.errors));
        },
    );
});
