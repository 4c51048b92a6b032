import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { layerOrder } from "../../../delivery/environments/environments";
import { CommandResult, CommandRunner, preflight, PreflightRequest, runCommand } from "../../../delivery/deploy/checks/preflight";
import { renderSummary, runLayers, StackRunner } from "../../../delivery/deploy/runner";
import { ROOT } from "../../../delivery/synth/stacks";
import { tempDir } from "../../support/tempDir";

const ok = (stdout = ""): CommandResult => ({ code: 0, stdout, stderr: "" });

/** A fake `pulumi`: answers from a table keyed by the arguments. */
function fakePulumi(answers: Record<string, CommandResult>): CommandRunner & { calls: string[] } {
    const calls: string[] = [];
    const run = (async (command: string, args: string[]) => {
        const key = [command, ...args].join(" ");
        calls.push(key);
        return answers[key] ?? { code: 1, stdout: "", stderr: `unexpected ${key}` };
    }) as CommandRunner & { calls: string[] };
    run.calls = calls;
    return run;
}

const ENV_STACKS = [
    { layer: "infra" as const, stack: "dev-infra" },
    { layer: "cluster" as const, stack: "dev-cluster" },
];

function tempStacks(files: Record<string, string>): string {
    const dir = tempDir("delivery-stacks");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

const healthy = {
    "pulumi version": ok("v3.248.0\n"),
    "pulumi whoami --verbose": ok("User: ci\nBackend URL: s3://state-bucket\n"),
    "pulumi stack ls --json": ok(JSON.stringify([{ name: "dev-infra" }, { name: "org/data-platform/dev-cluster" }])),
};

function request(run: CommandRunner, overrides: Partial<PreflightRequest> = {}): PreflightRequest {
    return {
        action: "up",
        stacks: ENV_STACKS,
        stacksDir: tempStacks({
            "Pulumi.dev-infra.yaml": "config:\n  data-platform:layer: infra\n",
            "Pulumi.dev-cluster.yaml": "config:\n  data-platform:layer: cluster\n",
        }),
        workDir: ROOT,
        run,
        env: { OS_CLOUD: "course" },
        cliVersion: "3.248.0",
        ...overrides,
    };
}

describe("delivery: preflight", () => {
    it("passes when the CLI, login, stacks and secrets are there", async () => {
        const result = await preflight(request(fakePulumi(healthy)));
        assert.deepEqual(result, {
            ok: true,
            backend: "s3://state-bucket",
            cliVersion: "v3.248.0",
            stacks: ["dev-infra", "dev-cluster"],
            skipped: [],
            notes: [
                "dev-infra: cloud-controller credential created by up, as your clouds.yaml identity (if that is a " +
                    "restricted application credential, supply one instead, see docs/delivery.md)",
            ],
        });
    });

    it("cloud-controller credential: a restricted application credential cannot create one, so it must be supplied", async () => {
        const appCred = {
            OS_AUTH_TYPE: "v3applicationcredential",
            OS_APPLICATION_CREDENTIAL_ID: "abc",
            OS_APPLICATION_CREDENTIAL_SECRET: "s",
        };
        const refused = await preflight(request(fakePulumi(healthy), { env: appCred }));
        assert.ok(!refused.ok && refused.problem === "secret-missing");
        const message = !refused.ok ? refused.message : "";
        assert.match(
            message,
            /dev-infra: up would create the cloud controllers' application credential, but you deploy with an application credential/,
        );
        assert.match(
            message,
            /openstack application credential create --role member --role load-balancer_member .* dev-k3s-cloud-controllers/,
        );
        assert.match(message, /pulumi config set -s dev-infra --secret data-platform:cloudControllerCredentialSecret <secret>/);
        const unrestricted = await preflight(
            request(fakePulumi(healthy), { env: { ...appCred, PLATFORM_UNRESTRICTED_CREDENTIAL: "true" } }),
        );
        assert.ok(
            unrestricted.ok &&
                unrestricted.notes?.[0] ===
                    "dev-infra: cloud-controller credential created by up, as your unrestricted application credential",
        );
        const stacksDir = tempStacks({
            "Pulumi.dev-infra.yaml":
                "config:\n  data-platform:layer: infra\n  data-platform:cloudControllerCredentialId: " +
                "0123456789abcdef0123456789abcdef\n  data-platform:cloudControllerCredentialSecret:\n    secure: AAAB\n",
            "Pulumi.dev-cluster.yaml": "config:\n  data-platform:layer: cluster\n",
        });
        const supplied = await preflight(request(fakePulumi(healthy), { env: appCred, stacksDir }));
        assert.ok(
            supplied.ok && supplied.notes?.[0] === "dev-infra: cloud-controller credential supplied (0123456789abcdef0123456789abcdef)",
        );
    });

    it("missing CLI: one message with the install command (fake runner)", async () => {
        const run: CommandRunner = async () => ({ code: null, stdout: "", stderr: "", spawnError: "ENOENT" });
        const result = await preflight(request(run));
        assert.equal(result.ok, false);
        assert.ok(!result.ok && result.problem === "cli-missing");
        assert.match(!result.ok ? result.message : "", /curl -fsSL https:\/\/get\.pulumi\.com \| sh -s -- --version 3\.248\.0/);
    });

    it("missing CLI, for real: a PATH without pulumi", async () => {
        const empty = tempDir("no-pulumi");
        const result = await preflight(request(runCommand({ ...process.env, PATH: empty })));
        assert.ok(!result.ok && result.problem === "cli-missing", JSON.stringify(result));
    });

    it("not logged in: says to run pulumi login", async () => {
        const run = fakePulumi({
            ...healthy,
            "pulumi whoami --verbose": { code: 255, stdout: "", stderr: "error: PULUMI_ACCESS_TOKEN must be set" },
        });
        const result = await preflight(request(run));
        assert.ok(!result.ok && result.problem === "not-logged-in");
        assert.match(!result.ok ? result.message : "", /pulumi login/);
        assert.deepEqual(run.calls, ["pulumi version", "pulumi whoami --verbose"], "stops at the first problem");
    });

    it("missing stack: names it and the stack init command; destroy skips it instead", async () => {
        const run = fakePulumi({ ...healthy, "pulumi stack ls --json": ok(JSON.stringify([{ name: "dev-infra" }])) });
        const up = await preflight(request(run));
        assert.ok(!up.ok && up.problem === "stack-missing");
        assert.match(
            !up.ok ? up.message : "",
            /Stack dev-cluster does not exist in s3:\/\/state-bucket\. Create it with:\n {2}pulumi stack init dev-cluster/,
        );
        const down = await preflight(request(run, { action: "destroy", stacks: [...ENV_STACKS].reverse() }));
        assert.ok(down.ok && down.skipped[0] === "dev-cluster");
    });

    it("missing secrets: OpenStack credentials and the config passphrase, with what to run", async () => {
        const stacksDir = tempStacks({
            "Pulumi.dev-infra.yaml": "encryptionsalt: v1:abc\nconfig:\n  data-platform:layer: infra\n",
            "Pulumi.dev-cluster.yaml": "config:\n  data-platform:layer: cluster\n",
        });
        const result = await preflight(request(fakePulumi(healthy), { stacksDir, env: {} }));
        assert.ok(!result.ok && result.problem === "secret-missing");
        const message = !result.ok ? result.message : "";
        assert.match(
            message,
            new RegExp(
                /dev-infra: OpenStack credentials\. source your OpenStack openrc file .*pulumi/.source +
                    / config set --secret -s dev-infra openstack:applicationCredentialSecret/.source,
            ),
        );
        assert.match(message, /dev-infra: the passphrase .* export PULUMI_CONFIG_PASSPHRASE=/);
        // A secure config value satisfies it too (a password: an application credential would also
        // need a supplied cloud-controller credential).
        const withSecret = tempStacks({
            "Pulumi.dev-infra.yaml": "config:\n  data-platform:layer: infra\n  openstack:password:\n    secure: AAABAx==\n",
            "Pulumi.dev-cluster.yaml": "config:\n  data-platform:layer: cluster\n",
        });
        assert.ok((await preflight(request(fakePulumi(healthy), { stacksDir: withSecret, env: {} }))).ok);
    });
});

describe("delivery: layer runner", () => {
    const fake = (fail?: string): StackRunner & { ran: string[] } => {
        const ran: string[] = [];
        return {
            ran,
            async run(stack, action, onOutput) {
                ran.push(`${action} ${stack}`);
                onOutput(`Updating (${stack})`);
                if (stack === fail) throw new Error(`error: update failed\n  ${stack}: quota exceeded`);
                return { create: 2, same: 5 };
            },
        };
    };

    it("layer order: infra → cluster → apps up, reverse for destroy", () => {
        assert.deepEqual(layerOrder("up"), ["infra", "cluster", "apps"]);
        assert.deepEqual(layerOrder("destroy"), ["apps", "cluster", "infra"]);
    });

    it("runs the layers in order with progress, and stops at the first failure", async () => {
        const runner = fake("dev-cluster");
        const lines: string[] = [];
        const stacks = [
            { layer: "infra" as const, stack: "dev-infra" },
            { layer: "cluster" as const, stack: "dev-cluster" },
            { layer: "apps" as const, stack: "dev-apps" },
        ];
        const report = await runLayers(
            "dev",
            "up",
            stacks,
            runner,
            (l) => lines.push(l),
            () => 0,
        );
        assert.deepEqual(runner.ran, ["up dev-infra", "up dev-cluster"]);
        assert.deepEqual(
            report.outcomes.map((o) => o.status),
            ["succeeded", "failed", "not run"],
        );
        assert.ok(lines.includes("[1/3] up dev-infra (infra) ..."));
        assert.ok(lines.includes("  dev-infra | Updating (dev-infra)"));
        assert.ok(lines.includes("[1/3] dev-infra: done in 0s (2 create, 5 same)"));
        const summary = renderSummary(report);
        assert.match(summary, /dev-infra +succeeded +0s, 2 create, 5 same/);
        assert.match(summary, /dev-apps +not run/);
        assert.match(summary, /quota exceeded/);
        assert.match(summary, /pulumi preview -s dev-cluster/);
    });

    it("npm run down -- dev --yes without the Pulumi CLI on PATH prints the one install message and exits 1", () => {
        const empty = tempDir("no-pulumi");
        const run = spawnSync(process.execPath, ["--import", "tsx", "delivery/bin/up.ts", "dev", "--destroy", "--yes"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, PATH: empty },
        });
        assert.equal(run.status, 1, run.stderr);
        assert.match(
            run.stderr,
            new RegExp(
                /^The Pulumi CLI is not installed \(no `pulumi` on PATH\)\. Install it with:\n/.source +
                    / {2}curl -fsSL https:\/\/get\.pulumi\.com \| sh -s -- --version \d+\.\d+\.\d+\n/.source,
            ),
        );
        assert.equal(run.stdout, "");
    });
});
