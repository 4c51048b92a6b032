/**
 * `npm run new-env`, end to end in a temporary stacks dir: a new environment from dev, every
 * environment-derived value rewritten, secrets listed for `pulumi config set --secret`, the
 * result synthesizes, and `up` refuses it while example values remain.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { deploy } from "../../../delivery/deploy/cli";
import { ROOT, synthStack } from "../../../delivery/synth/stacks";
import type { SynthResult } from "../../../delivery/synth/synth";
import { rewriteStackFile } from "../../../delivery/environments/newEnv";
import { FIXTURE_STACKS } from "../../support/stacks";
import { tempDir } from "../../support/tempDir";

describe("delivery: npm run new-env", () => {
    let dir: string;
    let run: ReturnType<typeof spawnSync>;
    before(function () {
        this.timeout(60_000);
        dir = tempDir("new-env");
        fs.cpSync(FIXTURE_STACKS, dir, { recursive: true });
        // A secret in the source: not copied, its `config set --secret` line printed.
        fs.appendFileSync(path.join(dir, "Pulumi.dev-cluster.yaml"), "  data-platform:alertWebhookUrl:\n    secure: AAABAHRlc3Q=\n");
        run = spawnSync(process.execPath, ["--import", "tsx", "delivery/bin/newEnv.ts", "staging", "--from", "dev", "--dir", dir], {
            cwd: ROOT,
            encoding: "utf8",
        });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes the three stack files with the name and every derived value rewritten, secrets left unset and printed", () => {
        assert.equal(run.status, 0, String(run.stderr));
        for (const layer of ["infra", "cluster", "apps"]) assert.ok(fs.existsSync(path.join(dir, `Pulumi.staging-${layer}.yaml`)), layer);
        const infra = fs.readFileSync(path.join(dir, "Pulumi.staging-infra.yaml"), "utf8");
        assert.match(infra, /data-platform:environment: staging/);
        assert.match(infra, /bucket: platform-staging-backups/);
        assert.doesNotMatch(infra, /\bdev\b/);
        const cluster = fs.readFileSync(path.join(dir, "Pulumi.staging-cluster.yaml"), "utf8");
        assert.match(cluster, /infraStack: staging-infra/);
        assert.doesNotMatch(cluster, /secure:/);
        assert.match(String(run.stdout), /pulumi config set --secret -s staging-cluster alertWebhookUrl <value>/);
        assert.match(String(run.stdout), /staging-infra: data-platform:adminCidrs\[0\] = "203\.0\.113\.0\/24": .*documentation range/);
        assert.match(String(run.stdout), /`npm run up -- staging` refuses to apply until each is replaced/);
    });

    it("synthesizes, and up refuses it naming each example value", async function () {
        this.timeout(120_000);
        const cache = new Map<string, SynthResult>();
        for (const layer of ["infra", "cluster", "apps"]) {
            const r = await synthStack(`staging-${layer}`, { stacksDir: dir, cache, ...(layer === "cluster" ? { overrides: {} } : {}) });
            assert.ok(r.resources.length > 1, layer);
        }
        const errors: string[] = [];
        const code = await deploy({
            env: "staging",
            action: "up",
            stacks: ["infra", "cluster", "apps"].map((l) => ({ layer: l as "infra", stack: `staging-${l}` })),
            stacksDir: dir,
            workDir: ROOT,
            run: async () => assert.fail("nothing may run"),
            processEnv: {},
            cliVersion: "v0",
            deployer: () => assert.fail("no deployer"),
            source: () => ({ commit: "a".repeat(40), changes: "" }),
            log: () => undefined,
            error: (l) => errors.push(l),
        });
        assert.equal(code, 1);
        assert.match(
            errors.join("\n"),
            new RegExp(
                /example value\(s\) are still in the stack files[\s\S]*staging-apps: data-platform:todoHost/.source +
                    / = "todo\.staging\.example\.org": names todo\.staging\.example\.org, a /.source +
                    /reserved example domain[\s\S]*Nothing was changed: up does not apply example values/.source,
            ),
        );
    });

    it("refuses bad names, unknown sources and existing environments", () => {
        const again = (args: string[]) =>
            spawnSync(process.execPath, ["--import", "tsx", "delivery/bin/newEnv.ts", ...args, "--dir", dir], {
                cwd: ROOT,
                encoding: "utf8",
            });
        assert.match(again(["Bad_Name"]).stderr, /not an environment name/);
        assert.match(again(["qa", "--from", "nope"]).stderr, /--from nope: no such environment/);
        assert.match(again(["staging"]).stderr, /already has stack files/);
    });

    it("rewrites whole tokens only: names containing the source's name are left alone", () => {
        const { text } = rewriteStackFile(
            "config:\n  p:environment: dev\n  p:host: airflow.dev.example.org\n  p:other: devops-team\n",
            "dev",
            "qa",
            "qa-apps",
        );
        assert.match(text, /p:environment: qa\n  p:host: airflow\.qa\.example\.org\n  p:other: devops-team/);
    });
});
