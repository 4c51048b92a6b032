/** The optional CI runner VM in the synth: present only when configured, its groups and rules, its config problems. */
import * as assert from "node:assert/strict";
import { checkAll } from "../../policy/rules";
import { RUNNER_RELEASE } from "../../infra/ciRunnerRelease";
import { ofType, synth } from "../support/synth";
import { configProblems } from "../support/config";
import { parseInfraConfig } from "../../infra/config";
import { devInfra, plain, RULE, RUNNER, secretText, SHA } from "../support/ciRunner";

describe("infra: CI runner VM (optional)", () => {
    it("exists only when configured: the default stacks have no runner and no new rule", async () => {
        for (const stack of ["dev-infra", "prod-infra"]) {
            const result = await synth(stack);
            assert.deepEqual(ofType(result, "data-platform:infra:CiRunner"), [], stack);
            assert.ok(!ofType(result, RULE).some((r) => String(r.inputs.description).includes("CI runner")));
        }
    });

    it("configured: a VM with an egress-only group, the API reachable from that group only, policy-clean", async () => {
        const result = await synth("dev-infra", RUNNER, undefined, ["data-platform:ciRunnerGithubToken"]);
        const groups = ofType(result, "openstack:networking/secGroup:SecGroup").filter((g) => g.name === "dev-ci-runner-secgroup");
        assert.equal(groups.length, 1);
        const runnerRules = ofType(result, RULE).filter((r) => r.name.startsWith("dev-ci-runner"));
        assert.equal(runnerRules.length, 1, "one rule: API from the runner; nothing into the runner");
        assert.equal(runnerRules[0].inputs.portRangeMin, 6443);
        assert.equal(runnerRules[0].inputs.remoteIpPrefix, undefined);
        assert.ok(runnerRules[0].inputs.remoteGroupId, "from the runner's group, not a CIDR");
        const vm = ofType(result, "openstack:compute/instance:Instance").find(
            (i) => (i.inputs.metadata as Record<string, string>).role === "ci-runner",
        )!;
        assert.ok(vm, "the runner VM");
        const userData = secretText(vm.inputs.userData);
        assert.ok(userData.includes("https://api.github.com/repos/example-org/data-platform/actions/runners/generate-jitconfig"));
        assert.ok(
            userData.includes('\\"labels\\":[\\"self-hosted\\",\\"data-platform-dev\\"]') ||
                userData.includes('"labels":["self-hosted","data-platform-dev"]'),
        );
        assert.ok(
            !((vm.options.ignoreChanges as string[] | undefined) ?? []).includes("userData"),
            "what the VM boots with is never ignored",
        );
        assert.ok((vm.options.replaceOnChanges as string[]).includes("userData"), "a new runner release (or token, labels) is a new VM");
        assert.equal((vm.inputs.metadata as Record<string, string>).runnerVersion, RUNNER_RELEASE.version, "the diff shows the release");
        assert.ok(userData.includes(`actions-runner-linux-x64-${RUNNER_RELEASE.version}.tar.gz`));
        assert.deepEqual(checkAll(result.resources, { knowsSecrets: true }), []);
    });

    it("config problems name the key and what to set; the release is pinned in code, not config", () => {
        const problems = (overrides: Record<string, string>, stack = "dev-infra") =>
            configProblems(() => parseInfraConfig(devInfra(overrides), "data-platform", stack)).join("\n");
        assert.match(problems({ ciRunnerRepository: "not a repo" }), /ciRunnerRepository = "not a repo": .*owner\/name/);
        assert.match(
            problems({ ciRunnerRepository: "example-org/data-platform" }),
            /ciRunnerGithubToken .*just-in-time runner.*Administration: read and write/,
        );
        assert.match(problems({ ...plain(RUNNER), ciRunnerLabels: JSON.stringify(["self-hosted"]) }), /ciRunnerLabels\[0\]/);
        assert.match(
            problems({ ciRunnerLabels: JSON.stringify(["x"]) }),
            /ciRunnerLabels = "\(set\)": has no effect without ciRunnerRepository/,
        );
        assert.match(
            problems({ ...plain(RUNNER), ciRunnerToken: "AABB" }),
            /ciRunnerToken = "\(set\)": is no longer read: .*one-hour registration token.*ciRunnerGithubToken/,
        );
        assert.match(
            problems({ ...plain(RUNNER), ciRunnerVersion: "2.300.0", ciRunnerSha256: SHA }),
            /ciRunnerVersion .*pinned together in infra\/ciRunnerRelease\.ts[\s\S]*ciRunnerSha256 .*ciRunnerRelease\.ts/,
        );
        assert.match(
            problems({ ...plain(RUNNER), environment: "prod", ciRunnerPullRequests: "true" }, "prod-infra"),
            /ciRunnerPullRequests = true: must stay false on prod/,
        );
        const cfg = parseInfraConfig(devInfra(plain(RUNNER)), "data-platform", "dev-infra").ciRunner!;
        assert.equal(cfg.labels[0], "data-platform-dev");
        assert.deepEqual([cfg.version, cfg.sha256, cfg.pullRequests], [RUNNER_RELEASE.version, RUNNER_RELEASE.sha256, false]);
        assert.match(RUNNER_RELEASE.sha256, /^[0-9a-f]{64}$/);
    });
});
