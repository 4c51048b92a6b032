import * as assert from "node:assert/strict";
import { adminCertWarnings, CERT_WARN_DAYS, certExpiryWarning } from "../../lib/delivery/certExpiry";
import type { CommandResult, CommandRunner } from "../../lib/delivery/preflight";
import { ADMIN_CERT_RENEWAL_HOURS } from "../../infra/pki";
import { synth } from "../support/synth";
import { deploy } from "../../lib/delivery/cli";
import type { StackRunner } from "../../lib/delivery/runner";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const NOW = new Date("2026-11-29T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() + n * 86400_000).toISOString();

describe("admin certificate expiry", () => {
    it("warns inside the 60-day window, says when and that up renews it; silent before", () => {
        assert.equal(certExpiryWarning("dev-infra", days(61), NOW), undefined);
        assert.equal(certExpiryWarning("dev-infra", undefined, NOW), undefined);
        const soon = certExpiryWarning("dev-infra", days(42), NOW)!;
        assert.match(soon, /dev-infra: the admin client certificate expires on 2027-01-10 \(in 42 days\)/);
        assert.match(soon, /renews it/);
        assert.match(soon, /pulumi stack output -s dev-infra kubeconfig --show-secrets/);
        assert.match(certExpiryWarning("prod-infra", days(-1), NOW)!, /EXPIRED on 2026-11-28.*401/);
    });

    it("warns exactly where the provider renews: the window equals earlyRenewalHours", () => {
        assert.equal(ADMIN_CERT_RENEWAL_HOURS, CERT_WARN_DAYS * 24);
    });

    it("reads each infra stack's adminCertExpiresAt output, ignoring stacks without it", async () => {
        const calls: string[] = [];
        const run: CommandRunner = async (cmd, args): Promise<CommandResult> => {
            calls.push([cmd, ...args].join(" "));
            if (args.includes("dev-infra")) return { code: 0, stdout: JSON.stringify(days(10)), stderr: "" };
            return { code: 255, stdout: "", stderr: "error: current stack does not have output property" };
        };
        const warnings = await adminCertWarnings(run, [{ layer: "infra", stack: "dev-infra" }, { layer: "infra", stack: "new-infra" }, { layer: "cluster", stack: "dev-cluster" }], "/", NOW);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /dev-infra.*in 10 days/);
        assert.deepEqual(calls, ["pulumi stack output -s dev-infra adminCertExpiresAt --json", "pulumi stack output -s new-infra adminCertExpiresAt --json"]);
    });

    it("the infra stack publishes the expiry (synth: one year after issue) and renews 60 days early", async () => {
        const dev = await synth("dev-infra");
        assert.equal(dev.outputs.adminCertExpiresAt, "2027-01-01T00:00:00Z");
        const cert = dev.resources.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")!;
        assert.equal(cert.inputs.earlyRenewalHours, 24 * 60);
        assert.equal(cert.inputs.validityPeriodHours, 24 * 365);
    });

    it("npm run up's body prints the warning after the preflight and still deploys (the up renews it)", async () => {
        const stacksDir = fs.mkdtempSync(path.join(os.tmpdir(), "cert-stacks-"));
        fs.writeFileSync(path.join(stacksDir, "Pulumi.dev-infra.yaml"), "config:\n  data-platform:layer: infra\n");
        const soon = new Date(Date.now() + 5 * 86400_000).toISOString();
        const answers: Record<string, string> = {
            "pulumi version": "v3.248.0\n",
            "pulumi whoami --verbose": "Backend URL: file:///state\n",
            "pulumi stack ls --json": JSON.stringify([{ name: "dev-infra" }]),
            "pulumi stack output -s dev-infra adminCertExpiresAt --json": JSON.stringify(soon),
        };
        const run: CommandRunner = async (cmd, args) => {
            const out = answers[[cmd, ...args].join(" ")];
            return out === undefined ? { code: 1, stdout: "", stderr: "unexpected" } : { code: 0, stdout: out, stderr: "" };
        };
        const ran: string[] = [];
        const runner: StackRunner = { run: async (stack, action) => (ran.push(`${action} ${stack}`), {}) };
        const lines: string[] = [];
        const code = await deploy({
            env: "dev", action: "up", stacks: [{ layer: "infra", stack: "dev-infra" }], stacksDir, workDir: "/", run,
            processEnv: { OS_CLOUD: "x" }, cliVersion: "3.248.0", runner: () => runner, log: (l) => lines.push(l), error: (l) => lines.push(`ERR ${l}`),
        });
        assert.equal(code, 0, lines.join("\n"));
        assert.ok(lines.some((l) => /^ERR warning: dev-infra: the admin client certificate expires on .* \(in [45] days\)/.test(l)), lines.join("\n"));
        assert.deepEqual(ran, ["up dev-infra"]);
    });
});
