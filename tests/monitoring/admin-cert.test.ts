import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { clientCertNotAfter } from "../../cluster/adminCert";
import { ADMIN_CERT_ALERT_DAYS, certificateRules } from "../../cluster/values/platformRules";
import { DEPLOY_CERT_RENEWAL_HOURS } from "../../infra/pki";
import { requireDebianPackage } from "../support/debian";

describe("cluster: admin client certificate expiry in a rule", () => {
    it("reads notAfter from a kubeconfig's client certificate (a real certificate made by openssl)", function () {
        requireDebianPackage(this, "openssl");
        let pem: string;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "admincert-"));
        try {
            execFileSync(
                "openssl",
                [
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    path.join(dir, "k"),
                    "-out",
                    path.join(dir, "c"),
                    "-days",
                    "30",
                    "-subj",
                    "/CN=dev-k3s-deployer/O=data-platform:deployers",
                ],
                { stdio: "ignore" },
            );
            pem = fs.readFileSync(path.join(dir, "c"), "utf8");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const kubeconfig = stringify({
            apiVersion: "v1",
            kind: "Config",
            users: [{ name: "admin", user: { "client-certificate-data": Buffer.from(pem).toString("base64"), "client-key-data": "x" } }],
        });
        const notAfter = clientCertNotAfter(kubeconfig)!;
        const expected = Date.now() / 1000 + 30 * 86400;
        assert.ok(Math.abs(notAfter - expected) < 120, `${notAfter} vs ${expected}`);
        const rule = certificateRules(notAfter).rules.find((r) => "alert" in r && r.alert === "AdminClientCertificateExpiresSoon")!;
        assert.equal(rule.expr, `vector(${notAfter}) - time() < ${7 * 86400}`);
        // Inside the renewal window, so an environment deployed now and then never alerts.
        assert.ok(ADMIN_CERT_ALERT_DAYS * 24 < DEPLOY_CERT_RENEWAL_HOURS);
    });

    it("no readable certificate (synth placeholders): no admin rule rather than a wrong one", () => {
        assert.equal(clientCertNotAfter("users: [{user: {client-certificate-data: bm90IGEgY2VydA==}}]"), undefined);
        assert.equal(clientCertNotAfter("::"), undefined);
        assert.ok(!certificateRules(undefined).rules.some((r) => "alert" in r && r.alert === "AdminClientCertificateExpiresSoon"));
    });
});
