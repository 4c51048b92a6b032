/** The CI runner release pin's weekly staleness check. */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { RUNNER_RELEASE } from "../../infra/ciRunnerRelease";
import { requireDebianPackage } from "../support/debian";

describe("infra: CI runner VM (optional)", () => {
    it(
        "staleness: the weekly check reads the pin from infra/ciRunnerRelease.ts " +
            "and fails once a newer release is out past the grace period",
        function () {
            requireDebianPackage(this, "jq");
            const script = path.join(__dirname, "..", "..", ".github", "scripts", "runner-staleness.sh");
            const [major, minor] = RUNNER_RELEASE.version.split(".").map(Number);
            const now = Date.parse("2030-01-31T00:00:00Z") / 1000;
            const release = (tag: string, published: string, extra = {}) => ({
                tag_name: tag,
                published_at: published,
                draft: false,
                prerelease: false,
                ...extra,
            });
            const check = (releases: unknown[]) =>
                spawnSync("bash", [script, "14", String(now)], { input: JSON.stringify(releases), encoding: "utf8" });
            const current = check([
                release(`v${RUNNER_RELEASE.version}`, "2029-01-01T00:00:00Z"),
                release(`v${major}.${minor + 1}.0`, "2030-01-25T00:00:00Z", { prerelease: true }),
            ]);
            assert.equal(current.status, 0, current.stdout);
            assert.match(current.stdout, new RegExp(`Pinned actions/runner: ${RUNNER_RELEASE.version.replace(/\./g, "\\.")}\nUp to date`));
            const fresh = check([release(`v${major}.${minor + 1}.0`, "2030-01-25T00:00:00Z")]);
            assert.equal(fresh.status, 0, fresh.stdout);
            assert.match(fresh.stdout, /::warning::.*out \(6 days\)/);
            const stale = check([
                release(`v${major}.${minor + 1}.0`, "2030-01-01T00:00:00Z"),
                release(`v${major}.${minor + 2}.0`, "2030-01-25T00:00:00Z"),
            ]);
            assert.equal(stale.status, 1, stale.stdout);
            assert.match(stale.stdout, new RegExp(`::error::actions/runner v${major}\\.${minor + 1}\\.0 has been out 30 days`));
        },
    );
});
