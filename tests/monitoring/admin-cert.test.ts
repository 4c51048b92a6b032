import assert from "node:assert/strict";
import { stringify } from "yaml";
import { clientCertNotAfter } from "../../cluster/adminCert";
import { ADMIN_CERT_ALERT_DAYS, certificateRules } from "../../cluster/values/platformRules";
import { DEPLOY_CERT_RENEWAL_HOURS } from "../../infra/pki";
import { requireDebianPackage } from "../support/debian";
import { OpensslPki } from "../support/opensslPki";

describe("cluster: admin client certificate expiry in a rule", () => {
    it("reads notAfter from a kubeconfig's client certificate (a real certificate made by openssl)", function () {
        requireDebianPackage(this, "openssl");
        let pem: string;
        const pki = new OpensslPki({ prefix: "admincert-" });
        try {
            pki.ca("admin", { subject: "/CN=dev-k3s-deployer/O=data-platform:deployers", days: 30 });
            pem = pki.read("admin.crt");
        } finally {
            pki.dispose();
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
