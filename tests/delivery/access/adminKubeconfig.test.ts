import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CertificateSigningRequest } from "kubernetes-models/certificates.k8s.io/v1";
import { CLIENT_SIGNER, csrObject, issueAdminKubeconfig, requestProblem, writePrivate } from "../../../delivery/access/adminKubeconfig";
import { certificateRequestPem, newClientKey } from "../../../delivery/access/csr";
import type { CommandResult, CommandRunner } from "../../../delivery/deploy/checks/preflight";
import { renderKubeconfig } from "../../../infra/kubeconfig";
import { request, targetFromKubeconfig } from "../../../infra/lifecycle/kubeApi";
import { requireDebianPackage } from "../../support/debian";
import { K3sShapedPki, makeK3sShapedPki } from "../../support/k3sShapedPki";
import { KubeApiStandIn } from "../../support/kube-api-stand-in";
import { tempDir } from "../../support/tempDir";

const DIALLED = "127.0.0.2";
const instant = { now: () => Date.now(), pause: async () => {} };

/** `openssl req -text` of a PEM request, verifying its self-signature. */
function opensslReq(pem: string): string {
    return execFileSync("openssl", ["req", "-noout", "-verify", "-text", "-nameopt", "RFC2253"], {
        input: pem,
        encoding: "utf8",
        stdio: ["pipe", "pipe", "pipe"],
    });
}

describe("npm run kubeconfig: per-person admin certificates through the CSR API", () => {
    let pki: K3sShapedPki;
    let api: KubeApiStandIn;
    let deploy: string;
    let calls: string[];
    const run: CommandRunner = async (cmd, args): Promise<CommandResult> => {
        calls.push([cmd, ...args].join(" "));
        return { code: 0, stdout: deploy, stderr: "" };
    };

    before(function () {
        requireDebianPackage(this, "openssl");
        pki = makeK3sShapedPki();
    });
    beforeEach(async () => {
        api = new KubeApiStandIn(pki);
        const server = await api.start(DIALLED);
        deploy = renderKubeconfig({
            clusterName: "lab-k3s",
            server,
            caCertPem: pki.serverCaPem,
            clientCertPem: pki.clientCertPem,
            clientKeyPem: pki.clientKeyPem,
        });
        calls = [];
    });
    afterEach(() => api?.stop());

    it("builds a PKCS#10 request openssl verifies: EC P-256, CN = the person, O = data-platform:admins", () => {
        const text = opensslReq(certificateRequestPem(newClientKey(), { commonName: "alice", organizations: ["data-platform:admins"] }));
        assert.match(text, /Subject: CN=alice,O=data-platform:admins/);
        assert.match(text, /NIST CURVE: P-256/);
        assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
        const object = csrObject("lab-admin-alice-x", "PEM", { env: "lab", user: "alice", hours: 3 });
        assert.doesNotThrow(() => new CertificateSigningRequest(object as never).validate());
    });

    it(
        "with the deploy identity: creates, approves, waits for and deletes the CSR; " +
            "the kubeconfig it writes authenticates as the person",
        async () => {
            const issued = await issueAdminKubeconfig(
                { env: "lab", user: "alice", hours: 3 },
                { run, workDir: "/", clock: instant, suffix: () => "0a1b2c3d" },
            );
            assert.deepEqual(calls, ["pulumi stack output -s lab-infra kubeconfig --show-secrets"]);
            const csrPath = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
            assert.deepEqual(
                api.requests.map((r) => `${r.method} ${r.path}`),
                [
                    `POST ${csrPath}`,
                    `PUT ${csrPath}/lab-admin-alice-0a1b2c3d/approval`,
                    `GET ${csrPath}/lab-admin-alice-0a1b2c3d`,
                    `GET ${csrPath}/lab-admin-alice-0a1b2c3d`,
                    `DELETE ${csrPath}/lab-admin-alice-0a1b2c3d`,
                ],
            );
            assert.ok(
                api.requests.every((r) => r.clientSubject === "O=data-platform:deployers,CN=lab-k3s-deployer"),
                "only the deploy identity talks to the CSR API",
            );
            assert.equal(api.csrs.size, 0, "the CSR object is deleted");
            const [sent] = api.csrHistory;
            assert.equal(sent.spec.signerName, CLIENT_SIGNER);
            assert.equal(sent.spec.expirationSeconds, 3 * 3600);
            assert.deepEqual(sent.spec.usages, ["digital signature", "client auth"]);
            assert.match(opensslReq(Buffer.from(sent.spec.request, "base64").toString()), /Subject: CN=alice,O=data-platform:admins/);

            const doc = parse(issued.kubeconfig);
            const deployDoc = parse(deploy);
            assert.deepEqual(doc.clusters, deployDoc.clusters, "the same cluster entry: server, CA, tls-server-name");
            assert.equal(doc["current-context"], "lab-k3s-alice");
            const cert = new X509Certificate(Buffer.from(doc.users[0].user["client-certificate-data"], "base64"));
            assert.match(cert.subject, /CN=alice/);
            assert.match(cert.subject, /O=data-platform:admins/);
            assert.equal(issued.notAfter, new Date(cert.validTo).toISOString());
            assert.ok(
                !issued.kubeconfig.includes(Buffer.from(pki.clientKeyPem).toString("base64")),
                "the deploy key is not in the personal kubeconfig",
            );

            const before = api.requests.length;
            assert.equal((await request(targetFromKubeconfig(issued.kubeconfig), "GET", "/readyz")).status, 503);
            assert.equal(api.requests[before].clientSubject, "O=data-platform:admins,CN=alice");
        },
    );

    it("a signer that fails the request: the error says so at once and the CSR is still deleted", async () => {
        api.signerFailure = "signer refused: expirationSeconds below minimum";
        await assert.rejects(
            issueAdminKubeconfig({ env: "lab", user: "bob", hours: 1 }, { run, workDir: "/", clock: instant, timeoutMs: 60_000 }),
            /lab-admin-bob-[0-9a-f]{8} was failed: signer refused/,
        );
        assert.equal(api.csrs.size, 0);
        assert.equal(api.requests.at(-1)?.method, "DELETE");
    });

    it("refuses a bad user name or duration before reading any stack; names the failing pulumi command", async () => {
        assert.match(requestProblem({ env: "lab", user: "Alice", hours: 8 })!, /--user "Alice": expected lowercase/);
        assert.match(requestProblem({ env: "lab", user: "system:admin", hours: 8 })!, /--user/);
        for (const hours of [0, 25, 1.5, Number.NaN])
            assert.match(requestProblem({ env: "lab", user: "alice", hours })!, /--hours .*1 to 24/);
        assert.equal(requestProblem({ env: "lab", user: "alice", hours: 24 }), undefined);
        await assert.rejects(issueAdminKubeconfig({ env: "lab", user: "alice", hours: 48 }, { run, workDir: "/" }), /--hours 48/);
        assert.deepEqual(calls, []);
        const failing: CommandRunner = async () => ({ code: 255, stdout: "", stderr: "error: no stack named 'lab-infra' found" });
        await assert.rejects(
            issueAdminKubeconfig({ env: "lab", user: "alice", hours: 8 }, { run: failing, workDir: "/" }),
            /pulumi stack output -s lab-infra kubeconfig --show-secrets failed \(exit 255\): error: no stack named/,
        );
        assert.equal(api.requests.length, 0);
    });

    it("writes the kubeconfig readable by its owner only, also over an existing wider file", () => {
        const dir = tempDir("kubeconfig-out");
        try {
            const file = path.join(dir, "sub", "lab-alice.yaml");
            fs.mkdirSync(path.dirname(file));
            fs.writeFileSync(file, "old", { mode: 0o644 });
            writePrivate(file, "new");
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            assert.equal(fs.readFileSync(file, "utf8"), "new");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
