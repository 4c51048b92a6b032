/**
 * keepalived's API check (infra/keepalived.ts apiReadyScript) run as written, by sh and curl,
 * against a real TLS API stand-in with a k3s-shaped PKI: client certificates required, the
 * serving certificate naming 127.0.0.1. The script's files are laid out as k3s lays out its
 * server/tls directory (server-ca.crt, client-admin.crt/.key).
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { K3S_TLS_DIR } from "../../infra/datastore";
import { API_READY_SCRIPT, apiReadyScript, keepalivedFiles } from "../../infra/keepalived";
import { makeK3sShapedPki, K3sShapedPki } from "../support/k3sShapedPki";
import { KubeApiStandIn } from "../support/kube-api-stand-in";
import { tempDir } from "../support/tempDir";

/** Runs the check as keepalived would; resolves to its exit code. */
function check(script: string): Promise<number> {
    return new Promise((resolve) => execFile("sh", ["-c", script], (err) => resolve(err ? Number(err.code ?? 1) : 0)));
}

/** A k3s server/tls directory: the CA the API serves with and the admin client pair, when given. */
function tlsDir(pki: K3sShapedPki, files: { serverCa: string; admin: boolean }): string {
    const dir = tempDir("k3s-tls");
    fs.writeFileSync(path.join(dir, "server-ca.crt"), files.serverCa);
    if (files.admin) {
        fs.writeFileSync(path.join(dir, "client-admin.crt"), pki.clientCertPem);
        fs.writeFileSync(path.join(dir, "client-admin.key"), pki.clientKeyPem, { mode: 0o600 });
    }
    return dir;
}

describe("keepalived's API check (curl with k3s' admin certificate, real TLS)", function () {
    let pki: K3sShapedPki;
    let api: KubeApiStandIn;
    let port: number;

    before(async () => {
        pki = makeK3sShapedPki();
        api = new KubeApiStandIn(pki);
        port = Number(new URL(await api.start("127.0.0.1")).port);
    });
    after(() => api.stop());
    beforeEach(() => (api.notReadyFor = 0));

    it("passes when the local API answers /readyz, presenting the admin client certificate", async () => {
        const before = api.requests.length;
        assert.equal(await check(apiReadyScript(tlsDir(pki, { serverCa: pki.serverCaPem, admin: true }), port)), 0);
        const asked = api.requests.slice(before);
        assert.deepEqual(
            asked.map((r) => [r.method, r.path]),
            [["GET", "/readyz"]],
        );
        assert.match(asked[0].clientSubject ?? "", /CN=lab-k3s-deployer/);
    });

    it("fails while the API answers /readyz with 503 (starting, or its etcd lost)", async () => {
        api.notReadyFor = 1;
        assert.notEqual(await check(apiReadyScript(tlsDir(pki, { serverCa: pki.serverCaPem, admin: true }), port)), 0);
    });

    it("fails before k3s' first start, when no admin certificate exists yet (the API refuses anonymous clients)", async () => {
        const before = api.requests.length;
        assert.notEqual(await check(apiReadyScript(tlsDir(pki, { serverCa: pki.serverCaPem, admin: false }), port)), 0);
        assert.equal(api.requests.length, before, "no request got past TLS");
    });

    it("fails against an API whose certificate another CA signed: verification stays on", async () => {
        assert.notEqual(await check(apiReadyScript(tlsDir(pki, { serverCa: pki.otherCaPem, admin: true }), port)), 0);
    });

    it("is what the servers' keepalived runs: k3s' own TLS directory, and curl gives up before keepalived's timeout", () => {
        const file = keepalivedFiles({ address: "192.0.2.10", peers: ["192.0.2.12"], priority: 150, routerId: 51 }, "192.0.2.11").find(
            (f) => f.path === API_READY_SCRIPT,
        );
        assert.equal(file?.content, apiReadyScript());
        assert.equal(file?.permissions, "0755");
        assert.match(file!.content, new RegExp(`^tls=${K3S_TLS_DIR}$`, "m"));
        assert.match(file!.content, /https:\/\/127\.0\.0\.1:6443\/readyz/);
        const template = keepalivedFiles({ address: "192.0.2.10", peers: [], priority: 150, routerId: 51 }, "192.0.2.11").find((f) =>
            f.path.endsWith(".conf.in"),
        )!.content;
        const timeout = Number(/^\s*timeout (\d+)$/m.exec(template)![1]);
        const maxTime = Number(/--max-time (\d+)/.exec(file!.content)![1]);
        assert.ok(maxTime < timeout, `curl --max-time ${maxTime} s under keepalived's timeout ${timeout} s`);
    });
});
