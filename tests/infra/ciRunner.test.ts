import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { checkAll } from "../../policy/rules";
import { renderFreshRunnerScript, renderRunnerUnit, renderRunnerUserData, RUNNER_PATHS } from "../../infra/ciRunnerCloudInit";
import { renderJobStartedHook } from "../../infra/ciRunnerHook";
import { RUNNER_RELEASE } from "../../infra/ciRunnerRelease";
import { ofType, synth } from "../support/synth";
import { configProblems } from "../support/config";
import { parseInfraConfig } from "../../infra/config";
import { ConfigLookup, strictLookup } from "../../lib/config/reader";
import { requireDebianPackage } from "../support/debian";
import { fixtureStackFile } from "../support/stacks";

/** The dev-infra stack file as a lookup, with overrides (keys without namespace). */
function devInfra(overrides: Record<string, string>): ConfigLookup {
    const doc = parse(fs.readFileSync(fixtureStackFile("dev-infra"), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config))
        values[k.replace("data-platform:", "")] = typeof v === "string" ? v : JSON.stringify(v);
    Object.assign(values, overrides);
    return strictLookup(
        (key) => values[key],
        () => Object.keys(values),
        "Pulumi.dev-infra.yaml",
        { isSecret: (k) => k === "ciRunnerGithubToken" },
    );
}
const plain = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace("data-platform:", ""), v]));

const SHA = "a".repeat(64);
const RUNNER = {
    "data-platform:ciRunnerRepository": "example-org/data-platform",
    "data-platform:ciRunnerGithubToken": "github_pat_STANDIN0123456789",
};
const RULE = "openstack:networking/secGroupRule:SecGroupRule";
const secretText = (v: unknown) => (v as { "@secret": string })["@secret"];

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

    it("user-data: pinned and checksummed runner installed root-owned, a fresh just-in-time runner per job, token root-only, metadata guarded, DNAT only when needed", () => {
        const runner = {
            repository: "o/r",
            labels: ["data-platform-prod"],
            flavor: "f",
            image: "i",
            version: "2.329.0",
            sha256: SHA,
            pullRequests: false,
        };
        const withFip = renderRunnerUserData({
            runner,
            name: "prod-deploy-runner",
            internalApiAddress: "10.0.0.10",
            apiAddress: "198.51.100.7",
            githubToken: "TOKEN123",
        });
        const doc = parse(withFip.replace(/^#cloud-config\n/, "")) as any;
        const script = doc.runcmd[0][4] as string;
        assert.match(
            script,
            /curl -fsSL --retry 5 -o \/tmp\/actions-runner-linux-x64-2\.329\.0\.tar\.gz https:\/\/github\.com\/actions\/runner\/releases\/download\/v2\.329\.0\//,
        );
        assert.ok(script.indexOf("sha256sum -c -") < script.indexOf("tar -xzf"), "checksum before unpacking");
        assert.ok(
            script.indexOf("chown -R root:root /opt/actions-runner") < script.indexOf("systemctl enable --now actions-runner.service"),
            "the install belongs to root before any job runs",
        );
        assert.ok(!script.includes("config.sh"), "no long-lived registration");
        assert.ok(!withFip.replace(/content: TOKEN123/, "").includes("TOKEN123"), "the token is in its file only");
        const file = (p: string) => doc.write_files.find((f: any) => f.path === p);
        assert.deepEqual([file(RUNNER_PATHS.token).permissions, file(RUNNER_PATHS.token).owner], ["0600", "root:root"]);
        assert.equal(file(RUNNER_PATHS.hook).owner, "root:root");
        assert.match(
            file("/etc/systemd/system/runner-metadata-guard.service").content,
            /OUTPUT -d 169\.254\.169\.254\/32 -m owner ! --uid-owner 0 -j DROP/,
        );
        const dnat = doc.write_files.find((f: any) => f.path.endsWith("platform-api-dnat.service"));
        assert.match(dnat.content, /-d 198\.51\.100\.7 --dport 6443 -j DNAT --to-destination 10\.0\.0\.10:6443/);
        const noFip = parse(
            renderRunnerUserData({ runner, name: "x", internalApiAddress: "10.0.0.10", apiAddress: "10.0.0.10", githubToken: "t" }).replace(
                /^#cloud-config\n/,
                "",
            ),
        ) as any;
        assert.ok(!noFip.write_files.some((f: any) => f.path.endsWith("platform-api-dnat.service")));
        assert.ok(!noFip.runcmd[0][4].includes("platform-api-dnat"));

        const unit = renderRunnerUnit();
        for (const line of [
            "User=runner",
            `ExecStartPre=+${RUNNER_PATHS.fresh}`,
            "KillMode=control-group",
            "Restart=always",
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "ProtectSystem=strict",
            `Environment=ACTIONS_RUNNER_HOOK_JOB_STARTED=${RUNNER_PATHS.hook}`,
        ]) {
            assert.ok(unit.split("\n").includes(line), line);
        }
        assert.match(unit, /run\.sh --jitconfig/, "one job per registration: a just-in-time runner");
        const fresh = renderFreshRunnerScript(runner, "prod-deploy-runner");
        const steps = [
            "rm -rf /var/lib/actions-runner/run /var/lib/actions-runner/jitconfig /home/runner",
            "cp -a /opt/actions-runner /var/lib/actions-runner/run",
            "generate-jitconfig",
        ].map((s) => fresh.indexOf(s));
        assert.ok(
            steps.every((i, n) => i > 0 && (n === 0 || i > steps[n - 1])),
            "wipe, fresh copy, then a new registration",
        );
        assert.ok(
            !/Bearer \$\(|-H "Authorization/.test(fresh.replace(/printf 'Authorization: Bearer %s\\n'/, "")),
            "the token never on curl's command line",
        );
        assert.match(fresh, /"labels":\["self-hosted","data-platform-prod"\]/);
    });

    describe("job-started hook (run for real with each job's environment)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-hook-"));
        const hook = (pullRequests: boolean) => {
            const file = path.join(dir, `hook-${pullRequests}.sh`);
            fs.writeFileSync(file, renderJobStartedHook({ repository: "o/r", pullRequests }));
            return file;
        };
        const event = (head: string) => {
            const file = path.join(dir, `event-${head.replace("/", "_")}.json`);
            fs.writeFileSync(file, JSON.stringify({ pull_request: { head: { repo: { full_name: head } } } }));
            return file;
        };
        const run = (file: string, env: Record<string, string>) =>
            spawnSync("bash", [file], { env: { PATH: process.env.PATH, GITHUB_REPOSITORY: "o/r", ...env }, encoding: "utf8" });
        const cases: [string, Record<string, string>, boolean, boolean][] = [
            [
                "deploy from main (workflow_run)",
                { GITHUB_EVENT_NAME: "workflow_run", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/deploy.yml@refs/heads/main" },
                true,
                true,
            ],
            [
                "rollback dispatched from main",
                { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/rollback.yml@refs/heads/main" },
                true,
                true,
            ],
            [
                "rollback dispatched from a branch",
                { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/rollback.yml@refs/heads/feature" },
                false,
                false,
            ],
            [
                "another workflow dispatched from main",
                { GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/backdoor.yml@refs/heads/main" },
                false,
                false,
            ],
            [
                "a push of a branch",
                { GITHUB_EVENT_NAME: "push", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/deploy.yml@refs/heads/main" },
                false,
                false,
            ],
            [
                "a pull request of this repository",
                {
                    GITHUB_EVENT_NAME: "pull_request",
                    GITHUB_WORKFLOW_REF: "o/r/.github/workflows/preview.yml@refs/pull/7/merge",
                    GITHUB_EVENT_PATH: event("o/r"),
                },
                false,
                true,
            ],
            [
                "a fork's pull request",
                {
                    GITHUB_EVENT_NAME: "pull_request",
                    GITHUB_WORKFLOW_REF: "o/r/.github/workflows/preview.yml@refs/pull/8/merge",
                    GITHUB_EVENT_PATH: event("fork/r"),
                },
                false,
                false,
            ],
            [
                "pull_request_target",
                { GITHUB_EVENT_NAME: "pull_request_target", GITHUB_WORKFLOW_REF: "o/r/.github/workflows/deploy.yml@refs/heads/main" },
                false,
                false,
            ],
            [
                "another repository",
                {
                    GITHUB_REPOSITORY: "x/r",
                    GITHUB_EVENT_NAME: "workflow_run",
                    GITHUB_WORKFLOW_REF: "x/r/.github/workflows/deploy.yml@refs/heads/main",
                },
                false,
                false,
            ],
        ];
        for (const [what, env, prodRunner, prRunner] of cases) {
            it(`${what}: ${prodRunner ? "runs" : "refused"} on a deploy-only (prod) runner, ${prRunner ? "runs" : "refused"} on one that takes pull requests`, function () {
                if (env.GITHUB_EVENT_PATH) requireDebianPackage(this, "jq");
                const deployOnly = run(hook(false), env);
                assert.equal(deployOnly.status === 0, prodRunner, deployOnly.stderr);
                if (!prodRunner) assert.match(deployOnly.stderr, /::error::this runner refuses the job: /);
                const withPrs = run(hook(true), env);
                assert.equal(withPrs.status === 0, prRunner, withPrs.stderr);
            });
        }
    });

    it("the runner's scripts pass shellcheck", function () {
        requireDebianPackage(this, "shellcheck");
        const runner = { repository: "o/r", labels: ["l"], flavor: "f", image: "i", version: "2.329.0", sha256: SHA, pullRequests: true };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-sh-"));
        const files = [
            ["hook.sh", renderJobStartedHook(runner)],
            ["fresh.sh", renderFreshRunnerScript(runner, "n")],
        ].map(([f, text]) => {
            fs.writeFileSync(path.join(dir, f), text);
            return path.join(dir, f);
        });
        const r = spawnSync("shellcheck", ["-s", "bash", ...files], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout);
    });

    it("staleness: the weekly check reads the pin from infra/ciRunnerRelease.ts and fails once a newer release is out past the grace period", function () {
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
    });

    it("user-data passes `cloud-init schema` (when cloud-init is installed; CI installs it)", function () {
        requireDebianPackage(this, "cloud-init");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "runner-ud-")), "user-data");
        const runner = { repository: "o/r", labels: ["l"], flavor: "f", image: "i", version: "2.329.0", sha256: SHA, pullRequests: false };
        fs.writeFileSync(
            file,
            renderRunnerUserData({ runner, name: "n", internalApiAddress: "10.0.0.10", apiAddress: "198.51.100.7", githubToken: "t" }),
        );
        const out = execFileSync("cloud-init", ["schema", "-c", file], { encoding: "utf8" });
        assert.match(out, /Valid schema|Valid cloud-config/);
    });
});
