import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { parse, stringify } from "yaml";
import { renderKubeconfig } from "../../infra/kubeconfig";
import { request, targetFromKubeconfig, waitForCluster } from "../../infra/lifecycle/kubeApi";
import { requireDebianPackage } from "../support/debian";
import { K3sShapedPki, makeK3sShapedPki } from "../support/k3sShapedPki";
import { KubeApiStandIn } from "../support/kube-api-stand-in";

// The address the client dials stands for the API's floating IP: on loopback, but not one of the
// addresses k3s puts in its serving certificate (127.0.0.1 and ::1 are).
const DIALLED = "127.0.0.2";
const repo = path.resolve(__dirname, "../..");

describe("lifecycle client over real TLS with a k3s-shaped certificate", () => {
    let pki: K3sShapedPki;
    let api: KubeApiStandIn;
    let server: string;
    /** The kubeconfig the infra layer renders, with fields edited by `edit`. */
    const kubeconfig = (edit: (doc: any) => void = () => {}, caCertPem = pki.serverCaPem) => {
        const doc = parse(
            renderKubeconfig({
                clusterName: "test-k3s",
                server,
                caCertPem,
                clientCertPem: pki.clientCertPem,
                clientKeyPem: pki.clientKeyPem,
            }),
        );
        edit(doc);
        return stringify(doc);
    };

    before(function () {
        requireDebianPackage(this, "openssl");
        pki = makeK3sShapedPki();
    });
    beforeEach(async () => {
        api = new KubeApiStandIn(pki);
        server = await api.start(DIALLED);
    });
    afterEach(() => api?.stop());

    it("passes with the right CA and the kubeconfig's tls-server-name, presenting the admin certificate", async () => {
        api.nodes = [{ name: "test-server-0", ready: true }];
        await waitForCluster(targetFromKubeconfig(kubeconfig()), ["test-server-0"], { timeoutMs: 5_000, pollMs: 5 });
        assert.deepEqual(
            api.requests.map((r) => r.path),
            ["/readyz", "/readyz", "/api/v1/nodes"],
        );
        assert.ok(api.requests.every((r) => r.sni === "kubernetes" && r.clientSubject === "O=data-platform:deployers,CN=lab-k3s-deployer"));
    });

    it("fails without the server name: the dialled address is not in the certificate", async () => {
        const target = targetFromKubeconfig(kubeconfig((d) => delete d.clusters[0].cluster["tls-server-name"]));
        await assert.rejects(request(target, "GET", "/readyz"), /IP: 127\.0\.0\.2 is not in the cert's list/);
        assert.equal(api.requests.length, 0);
    });

    it("fails with a server name the certificate does not carry", async () => {
        const target = targetFromKubeconfig(kubeconfig((d) => (d.clusters[0].cluster["tls-server-name"] = "api.example.org")));
        await assert.rejects(request(target, "GET", "/readyz"), /Host: api\.example\.org\. is not in the cert's altnames/);
    });

    it("fails with a wrong CA even though the name matches", async () => {
        const target = targetFromKubeconfig(kubeconfig(undefined, pki.otherCaPem));
        await assert.rejects(request(target, "GET", "/readyz"), (err: NodeJS.ErrnoException) =>
            /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/.test(String(err.code)),
        );
        assert.equal(api.requests.length, 0);
    });

    it("is refused by the API without a client certificate", async () => {
        const target = targetFromKubeconfig(kubeconfig((d) => (d.users[0].user = { token: "not-a-certificate" })));
        await assert.rejects(request(target, "GET", "/readyz"));
        assert.equal(api.requests.length, 0, "no request got through");
    });

    it("sends a bearer token beside the client certificate when the user entry has one", async () => {
        const target = targetFromKubeconfig(kubeconfig((d) => (d.users[0].user.token = "abcdef.0123456789abcdef")));
        api.notReadyFor = 0;
        assert.equal((await request(target, "GET", "/readyz")).status, 200);
        assert.equal(api.requests[0].bearer, true);
    });

    const cli = (env: Record<string, string>) =>
        new Promise<{ code: number; out: string }>((resolve) => {
            execFile(
                process.execPath,
                ["--import", "tsx", "infra/lifecycle/cli.ts", "wait-cluster"],
                { cwd: repo, env: { ...process.env, ...env } },
                (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
            );
        });

    it("wait-cluster, run as pulumi up runs it, passes with the infra layer's kubeconfig", async function () {
        this.timeout(30_000);
        api.notReadyFor = 0;
        api.nodes = [
            { name: "test-server-0", ready: true },
            { name: "test-agent-0", ready: true },
        ];
        const run = await cli({ KUBECONFIG_DATA: kubeconfig(), NODE_NAMES: "test-server-0,test-agent-0", TIMEOUT_SECONDS: "20" });
        assert.equal(run.code, 0, run.out);
        assert.match(run.out, /cluster ready/);
    });

    it("wait-cluster fails with the TLS reason when the kubeconfig lacks the server name", async function () {
        this.timeout(30_000);
        const run = await cli({
            KUBECONFIG_DATA: kubeconfig((d) => delete d.clusters[0].cluster["tls-server-name"]),
            NODE_NAMES: "test-server-0",
            TIMEOUT_SECONDS: "0.2",
        });
        assert.equal(run.code, 1);
        assert.match(
            run.out,
            new RegExp(
                /Timed out after 0 s waiting for the API at https:\/\/127\.0\.0\.2:\d+:/.source +
                    / still waiting for .*IP: 127\.0\.0\.2 is not in the cert's list/.source,
            ),
        );
    });
});
