/** The platform CA is constrained to the platform's domains and its ingress address. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { appTls } from "../../apps/tls";
import { caNameConstraints, withinDomains } from "../../lib/tls";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import { ofType, synth } from "../support/synth";
import { requireDebianPackage } from "../support/debian";
import { OpensslPki } from "../support/opensslPki";

const FIXTURES = path.join(__dirname, "..", "fixtures", "cert-manager-chart");

describe("platform CA name constraints", () => {
    it("the CA Certificate carries critical constraints: the configured domains and the ingress address only", async () => {
        const result = await synth("dev-cluster", { "data-platform:platformCaDomains": '["platform.example.net","ops.example.net"]' });
        const ca = ofType(result, "kubernetes:cert-manager.io/v1:Certificate")
            .map((r) => revealPlaceholders(r.inputs) as any)
            .find((c) => c.spec.isCA && c.spec.secretName === "platform-ca")!;
        const address = (await synth("dev-infra")).outputs.ingressAddress as string;
        assert.deepEqual(ca.spec.nameConstraints, {
            critical: true,
            permitted: { dnsDomains: ["platform.example.net", "ops.example.net"], ipRanges: [`${address}/32`] },
        });
        // Valid against cert-manager v1.21.1's Certificate CRD; the alpha gate is on in the controller and the webhook.
        const crd = parseYaml(fs.readFileSync(path.join(FIXTURES, "cert-manager.io_certificates.yaml"), "utf8"));
        const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
            crd.spec.versions[0].schema.openAPIV3Schema,
        );
        assert.ok(validate(ca), JSON.stringify(validate.errors));
        const values = ofType(result, "kubernetes:helm.sh/v3:Release").find((r) => String(r.inputs.chart).endsWith("cert-manager"))!.inputs
            .values as any;
        assert.equal(values.featureGates, "NameConstraints=true");
        assert.equal(values.webhook.featureGates, "NameConstraints=true");
    });

    it("without domains the CA signs no DNS name at all", () => {
        assert.deepEqual(caNameConstraints([], "198.51.100.7"), {
            critical: true,
            permitted: { dnsDomains: ["invalid"], ipRanges: ["198.51.100.7/32"] },
        });
        assert.equal(withinDomains("a.b.example.org", ["example.org"]), true);
        assert.equal(withinDomains("badexample.org", ["example.org"]), false);
    });

    it("a host the CA may not sign is refused in both layers, naming platformCaDomains", async () => {
        await assert.rejects(
            synth("prod-cluster", { "data-platform:platformCaDomains": '["other.example.net"]' }),
            /platformCaDomains.*grafanaHost/s,
        );
        assert.throws(
            () => appTls("todo", "todo.example.com", undefined, { ca: "platform-ca", public: "platform-ca", caDomains: ["example.org"] }),
            /todoHost "todo\.example\.com".*platformCaDomains/,
        );
        assert.equal(
            appTls("todo", "todo.example.com", undefined, { ca: "platform-ca", public: "letsencrypt", caDomains: ["example.org"] })?.issuer,
            "letsencrypt",
            "ACME signs it instead",
        );
        assert.equal(
            appTls("todo", "203.0.113.5", undefined, { ca: "platform-ca", public: "platform-ca", caDomains: [] })?.issuer,
            "platform-ca",
        );
    });

    it("openssl verifies a leaf inside the constraints and refuses one outside (the same extension, made by openssl)", function () {
        requireDebianPackage(this, "openssl");
        const pki = new OpensslPki({ prefix: "ca-nc-" });
        try {
            const nc = caNameConstraints(["example.org"], "198.51.100.7") as any;
            const dns = nc.permitted.dnsDomains.map((d: string) => `permitted;DNS:${d}`);
            const ext = `critical,${dns.join(",")},permitted;IP:198.51.100.7/255.255.255.255`;
            pki.ca("ca", {
                subject: "/CN=platform-ca",
                extensions: ["basicConstraints=critical,CA:true", "keyUsage=critical,keyCertSign", `nameConstraints=${ext}`],
            });
            const leaf = (name: string, san: string) => {
                pki.leaf(name, "ca", { subject: `/CN=${name}`, extensions: [`subjectAltName=${san}`] });
                return pki.verifies(name, "ca");
            };
            assert.equal(leaf("inside", "DNS:todo.example.org"), true);
            assert.equal(leaf("address", "IP:198.51.100.7"), true);
            assert.equal(leaf("outside", "DNS:bank.example.com"), false);
            assert.equal(leaf("otherip", "IP:203.0.113.9"), false);
        } finally {
            pki.dispose();
        }
    });
});
