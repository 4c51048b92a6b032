/** The CI runner's user-data: installed pinned and checksummed, a fresh runner per job, shellcheck- and cloud-init-clean. */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { renderFreshRunnerScript, renderRunnerUnit, renderRunnerUserData, RUNNER_PATHS } from "../../infra/ciRunnerCloudInit";
import { renderJobStartedHook } from "../../infra/ciRunnerHook";
import { requireDebianPackage } from "../support/debian";
import { SHA } from "../support/ciRunner";
import { tempDir } from "../support/tempDir";

describe("infra: CI runner VM (optional)", () => {
    it(
        "user-data: pinned and checksummed runner installed root-owned, a fresh just-in-time " +
            "runner per job, token root-only, metadata guarded, DNAT only when needed",
        () => {
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
                new RegExp(
                    /curl -fsSL --retry 5 -o \/tmp\/actions-runner-linux-x64-2\.329\.0\.tar\.gz/.source +
                        / https:\/\/github\.com\/actions\/runner\/releases\/download\/v2\.329\.0\//.source,
                ),
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
                renderRunnerUserData({
                    runner,
                    name: "x",
                    internalApiAddress: "10.0.0.10",
                    apiAddress: "10.0.0.10",
                    githubToken: "t",
                }).replace(/^#cloud-config\n/, ""),
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
        },
    );

    it("the runner's scripts pass shellcheck", function () {
        requireDebianPackage(this, "shellcheck");
        const runner = { repository: "o/r", labels: ["l"], flavor: "f", image: "i", version: "2.329.0", sha256: SHA, pullRequests: true };
        const dir = tempDir("runner-sh");
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

    it("user-data passes `cloud-init schema` (when cloud-init is installed; CI installs it)", function () {
        requireDebianPackage(this, "cloud-init");
        const file = path.join(tempDir("runner-ud"), "user-data");
        const runner = { repository: "o/r", labels: ["l"], flavor: "f", image: "i", version: "2.329.0", sha256: SHA, pullRequests: false };
        fs.writeFileSync(
            file,
            renderRunnerUserData({ runner, name: "n", internalApiAddress: "10.0.0.10", apiAddress: "198.51.100.7", githubToken: "t" }),
        );
        const out = execFileSync("cloud-init", ["schema", "-c", file], { encoding: "utf8" });
        assert.match(out, /Valid schema|Valid cloud-config/);
    });
});
