import * as assert from "node:assert/strict";
import { adminCertWarnings, CERT_WARN_DAYS, certExpiryWarning } from "../../../delivery/deploy/checks/certExpiry";
import type { CommandResult, CommandRunner } from "../../../delivery/deploy/checks/preflight";
import { DEPLOY_CERT_RENEWAL_HOURS } from "../../../infra/pki";
import { synth } from "../../support/synth";

const NOW = new Date("2026-11-29T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() + n * 86400_000).toISOString();

describe("admin certificate expiry", () => {
    it("warns inside the 20-day window, says when and that up renews it; silent before", () => {
        assert.equal(certExpiryWarning("dev-infra", days(21), NOW), undefined);
        assert.equal(certExpiryWarning("dev-infra", undefined, NOW), undefined);
        const soon = certExpiryWarning("dev-infra", days(12), NOW)!;
        assert.match(soon, /dev-infra: the deploy identity's client certificate expires on 2026-12-11 \(in 12 days\)/);
        assert.match(soon, /renews it/);
        assert.match(soon, /pulumi stack output -s dev-infra kubeconfig --show-secrets/);
        assert.match(certExpiryWarning("prod-infra", days(-1), NOW)!, /EXPIRED on 2026-11-28.*401/);
    });

    it("warns exactly where the provider renews: the window equals earlyRenewalHours", () => {
        assert.equal(DEPLOY_CERT_RENEWAL_HOURS, CERT_WARN_DAYS * 24);
    });

    it("reads each infra stack's adminCertExpiresAt output, ignoring stacks without it", async () => {
        const calls: string[] = [];
        const run: CommandRunner = async (cmd, args): Promise<CommandResult> => {
            calls.push([cmd, ...args].join(" "));
            if (args.includes("dev-infra")) return { code: 0, stdout: JSON.stringify(days(10)), stderr: "" };
            return { code: 255, stdout: "", stderr: "error: current stack does not have output property" };
        };
        const warnings = await adminCertWarnings(
            run,
            [
                { layer: "infra", stack: "dev-infra" },
                { layer: "infra", stack: "new-infra" },
                { layer: "cluster", stack: "dev-cluster" },
            ],
            "/",
            NOW,
        );
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /dev-infra.*in 10 days/);
        assert.deepEqual(
            calls.filter((c) => c.includes("adminCertExpiresAt")),
            ["pulumi stack output -s dev-infra adminCertExpiresAt --json", "pulumi stack output -s new-infra adminCertExpiresAt --json"],
        );
    });

    it("the infra stack publishes the expiry (synth: 30 days after issue) and renews 20 days early", async () => {
        const dev = await synth("dev-infra");
        assert.equal(dev.outputs.adminCertExpiresAt, "2026-01-31T00:00:00Z");
        const cert = dev.resources.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")!;
        assert.equal(cert.inputs.earlyRenewalHours, 24 * 20);
        assert.equal(cert.inputs.validityPeriodHours, 24 * 30);
    });
});
