import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { DEFAULT_CHARTS, DEFAULT_IMAGES } from "../../cluster/config";
import { certManagerValues, issuerFor, ISSUERS } from "../../cluster/values/certManager";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import type { SynthResult } from "../../delivery/synth/synth";
import { ofType, synth } from "../support/synth";

const FIXTURES = path.join(__dirname, "..", "fixtures", "cert-manager-chart");
const RELEASE = "kubernetes:helm.sh/v3:Release";

function valuesValidator() {
    const schema = JSON.parse(fs.readFileSync(path.join(FIXTURES, "values.schema.json"), "utf8"));
    delete schema.$schema; // draft-07, Ajv's default; its URI is not resolved over the network
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv.compile(schema);
}

function crdValidator(file: string) {
    const crd = parseYaml(fs.readFileSync(path.join(FIXTURES, file), "utf8"));
    const version = crd.spec.versions.find((v: any) => v.name === "v1" && v.served);
    return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(version.schema.openAPIV3Schema);
}

const certManagerRelease = (r: SynthResult) => ofType(r, RELEASE).find((x) => String(x.inputs.chart) === "cert-manager")!;
const customResources = (r: SynthResult, kind: string) =>
    ofType(r, "kubernetes:cert-manager.io/v1:" + kind).map((x) => revealPlaceholders(x.inputs) as Record<string, any>);

describe("cert-manager and TLS (cluster layer)", () => {
    const results: Record<string, SynthResult> = {};
    before(async () => {
        results.dev = await synth("dev-cluster");
        results.prod = await synth("prod-cluster");
        results.acme = await synth("prod-cluster", { "data-platform:acmeEmail": "ops@example.org" });
    });

    it("installs the pinned jetstack chart with every component image on the same pinned tag", () => {
        const release = certManagerRelease(results.dev);
        assert.equal(release.inputs.version, DEFAULT_CHARTS["cert-manager"].version);
        assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://charts.jetstack.io" });
        const v = release.inputs.values as Record<string, any>;
        const tag = DEFAULT_IMAGES.certManagerController.split(":").pop();
        for (const image of [v.image, v.webhook.image, v.cainjector.image, v.acmesolver.image, v.startupapicheck.image]) {
            assert.match(image.repository, /^quay\.io\/jetstack\/cert-manager-(controller|webhook|cainjector|acmesolver|startupapicheck)$/);
            assert.equal(image.tag, tag);
        }
        assert.deepEqual(v.crds, { enabled: true, keep: true });
    });

    it("dev and prod values are valid against the chart's values.schema.json, and the schema has teeth", () => {
        const validate = valuesValidator();
        for (const env of ["dev", "prod"]) {
            const ok = validate(certManagerRelease(results[env]).inputs.values);
            assert.ok(ok, `${env}: ${JSON.stringify(validate.errors, null, 1)}`);
        }
        const wrong = certManagerValues({ image: DEFAULT_IMAGES.certManagerController, monitoringNamespace: "monitoring" }) as any;
        assert.equal(validate({ ...wrong, crds: { enabled: "yes" } }), false);
        assert.equal(validate({ ...wrong, notAValue: 1 }), false);
    });

    it("creates the issuers after the release: self-signed bootstrap → platform CA → CA issuer; ACME only with an e-mail", () => {
        const names = (env: string) =>
            customResources(results[env], "ClusterIssuer")
                .map((i) => i.metadata.name)
                .sort();
        assert.deepEqual(names("dev"), [ISSUERS.ca, ISSUERS.internal, ISSUERS.selfSigned].sort());
        assert.deepEqual(names("acme"), [ISSUERS.acme, ISSUERS.ca, ISSUERS.internal, ISSUERS.selfSigned].sort());
        const acme = customResources(results.acme, "ClusterIssuer").find((i) => i.metadata.name === ISSUERS.acme)!;
        assert.equal(acme.spec.acme.email, "ops@example.org");
        assert.equal(acme.spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
        assert.deepEqual(acme.spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "nginx" } } }]);
        const release = certManagerRelease(results.dev);
        for (const cr of ofType(results.dev, "kubernetes:cert-manager.io/v1:ClusterIssuer")) {
            assert.ok(cr.options.dependsOn.length > 0, `${cr.name} waits`);
        }
        const first = ofType(results.dev, "kubernetes:cert-manager.io/v1:ClusterIssuer").find(
            (x) => (x.inputs.metadata as any).name === ISSUERS.selfSigned,
        )!;
        assert.deepEqual(first.options.dependsOn, [release.urn]);
    });

    it("every Certificate and ClusterIssuer is valid against the pinned CRDs", () => {
        const cert = crdValidator("cert-manager.io_certificates.yaml");
        const issuer = crdValidator("cert-manager.io_clusterissuers.yaml");
        let n = 0;
        for (const env of ["dev", "prod", "acme"]) {
            for (const c of customResources(results[env], "Certificate"))
                (assert.ok(cert(c), `${env} ${c.metadata.name}: ${JSON.stringify(cert.errors)}`), n++);
            for (const i of customResources(results[env], "ClusterIssuer"))
                (assert.ok(issuer(i), `${env} ${i.metadata.name}: ${JSON.stringify(issuer.errors)}`), n++);
        }
        assert.ok(n >= 12);
        assert.equal(
            issuer({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "x" }, spec: { acme: { server: 1 } } }),
            false,
        );
    });

    it("the ingress serves a platform-CA certificate for its address by default and redirects HTTP to HTTPS", async () => {
        const [def] = customResources(results.dev, "Certificate").filter((c) => c.metadata.name === "ingress-default-tls");
        const infra = await synth("dev-infra");
        assert.deepEqual(def.spec.ipAddresses, [infra.outputs.ingressAddress]);
        assert.equal(def.spec.issuerRef.name, ISSUERS.ca);
        const nginx = ofType(results.dev, RELEASE).find((x) => String(x.inputs.chart) === "ingress-nginx")!.inputs.values as any;
        assert.equal(nginx.controller.extraArgs["default-ssl-certificate"], "cert-manager/ingress-default-tls");
        assert.equal(nginx.controller.config["force-ssl-redirect"], "true");
    });

    it("Grafana: own certificate for its host (ACME when configured), default certificate without a host; NodePort opt-in", () => {
        const grafana = (env: string) =>
            (ofType(results[env], RELEASE).find((x) => String(x.inputs.chart) === "kube-prometheus-stack")!.inputs.values as any).grafana;
        assert.equal(grafana("dev").ingress.tls, undefined);
        assert.deepEqual(grafana("dev").service, { type: "ClusterIP" });
        assert.deepEqual(grafana("prod").ingress.tls, [{ secretName: "grafana-tls", hosts: ["grafana.prod.example.org"] }]);
        assert.equal(grafana("prod").ingress.annotations["cert-manager.io/cluster-issuer"], ISSUERS.ca);
        assert.equal(grafana("acme").ingress.annotations["cert-manager.io/cluster-issuer"], ISSUERS.acme);
        const issuers = (r: any) => ({ ca: r.outputs.tlsIssuers.ca, public: r.outputs.tlsIssuers.public });
        assert.deepEqual(issuers(results.acme), { ca: ISSUERS.ca, public: ISSUERS.acme });
        assert.deepEqual(issuers(results.dev), { ca: ISSUERS.ca, public: ISSUERS.ca });
        // The CA's domains go to the apps layer, which refuses a host the CA may not sign (tests/cluster/caConstraints.test.ts).
        assert.ok(Array.isArray((results.dev.outputs as any).tlsIssuers.caDomains));
    });

    it("picks ACME only for DNS names (an IP address cannot get a Let's Encrypt certificate)", () => {
        assert.equal(issuerFor("todo.example.org", true), ISSUERS.acme);
        assert.equal(issuerFor("198.51.100.7", true), ISSUERS.ca);
        assert.equal(issuerFor("todo.example.org", false), ISSUERS.ca);
        assert.equal(issuerFor(undefined, true), ISSUERS.ca);
    });

    it("dev keeps at least 20 % headroom with cert-manager added", () => {
        const fit = (results.dev.outputs as any).fit;
        assert.ok(fit.cpuHeadroomPercent >= 20 && fit.memoryHeadroomPercent >= 20, JSON.stringify(fit));
    });
});
