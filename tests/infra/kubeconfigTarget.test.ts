import * as assert from "node:assert/strict";
import path from "node:path";
import { stringify } from "yaml";
import { targetFromKubeconfig } from "../../infra/lifecycle/kubeconfigTarget";

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Two clusters and two users; the current context picks the second of each. */
function twoContexts(cluster: Record<string, unknown> = {}, user: Record<string, unknown> = {}) {
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            { name: "old", cluster: { server: "https://192.0.2.1:6443", "certificate-authority-data": b64("OLD-CA") } },
            {
                name: "new",
                cluster: {
                    server: "https://192.0.2.2:6443",
                    "certificate-authority-data": b64("NEW-CA"),
                    "tls-server-name": "kubernetes",
                    ...cluster,
                },
            },
        ],
        users: [
            { name: "old-admin", user: { token: "old-token" } },
            { name: "new-admin", user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY"), ...user } },
        ],
        contexts: [
            { name: "old", context: { cluster: "old", user: "old-admin" } },
            { name: "new", context: { cluster: "new", user: "new-admin" } },
        ],
        "current-context": "new",
    };
}

describe("lifecycle client: reading a kubeconfig as kubectl does", () => {
    it("follows current-context to its cluster and user, not the first entries", () => {
        const t = targetFromKubeconfig(stringify(twoContexts()));
        assert.equal(t.server, "https://192.0.2.2:6443");
        assert.equal(t.serverName, "kubernetes");
        assert.equal(t.ca?.toString(), "NEW-CA");
        assert.equal(t.cert?.toString(), "CERT");
        assert.equal(t.key?.toString(), "KEY");
        assert.equal(t.token, undefined);
    });

    it("reads CA, client certificate, key and token files relative to the kubeconfig's directory", () => {
        const files: Record<string, string> = {
            "/etc/kube/ca.crt": "FILE-CA",
            "/etc/kube/admin.crt": "FILE-CERT",
            "/etc/kube/admin.key": "FILE-KEY",
            "/etc/kube/token": "tok-123\n",
        };
        const doc = twoContexts(
            { "certificate-authority-data": undefined, "certificate-authority": "ca.crt" },
            {
                "client-certificate-data": undefined,
                "client-key-data": undefined,
                "client-certificate": "admin.crt",
                "client-key": "/etc/kube/admin.key",
                tokenFile: "token",
            },
        );
        const t = targetFromKubeconfig(stringify(doc), {
            baseDir: "/etc/kube",
            readFile: (f) => {
                if (!(path.normalize(f) in files)) throw new Error(`ENOENT ${f}`);
                return Buffer.from(files[path.normalize(f)]);
            },
        });
        assert.deepEqual(
            [t.ca?.toString(), t.cert?.toString(), t.key?.toString(), t.token],
            ["FILE-CA", "FILE-CERT", "FILE-KEY", "tok-123"],
        );
    });

    it("names a file it cannot read", () => {
        const doc = twoContexts({ "certificate-authority-data": undefined, "certificate-authority": "missing.crt" });
        assert.throws(
            () => targetFromKubeconfig(stringify(doc), { baseDir: "/nowhere" }),
            /cluster "new"\.certificate-authority names \/nowhere\/missing\.crt, which cannot be read/,
        );
    });

    const refused: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
        [
            "insecure-skip-tls-verify",
            { "insecure-skip-tls-verify": true },
            {},
            /insecure-skip-tls-verify; the lifecycle client never turns certificate verification off/,
        ],
        ["proxy-url", { "proxy-url": "socks5://127.0.0.1:1080" }, {}, /proxy-url, which the lifecycle client does not support/],
        [
            "both CA data and file",
            { "certificate-authority": "ca.crt" },
            {},
            /sets both certificate-authority-data and certificate-authority/,
        ],
        ["an exec plugin", {}, { exec: { command: "aws" } }, /user "new-admin" sets exec, which the lifecycle client does not support/],
        ["basic auth", {}, { username: "admin", password: "x" }, /sets username/],
        ["impersonation", {}, { as: "someone" }, /sets as,/],
        ["a certificate without a key", {}, { "client-key-data": undefined }, /client certificate without a key/],
        ["an http-less server", { server: "192.0.2.2:6443" }, {}, /server must be https|is not a URL/],
    ];
    for (const [what, cluster, user, message] of refused) {
        it(`refuses ${what}, naming the field`, () =>
            assert.throws(() => targetFromKubeconfig(stringify(twoContexts(cluster, user))), message));
    }

    it("refuses a kubeconfig without current-context, or whose context names a missing entry", () => {
        const none = { ...twoContexts(), "current-context": "" };
        assert.throws(() => targetFromKubeconfig(stringify(none)), /current-context is not set/);
        const dangling = { ...twoContexts(), "current-context": "gone" };
        assert.throws(
            () => targetFromKubeconfig(stringify(dangling)),
            /current-context names context "gone", which is not in contexts \(known: old, new\)/,
        );
        const doc = twoContexts();
        doc.contexts[1].context.cluster = "elsewhere";
        assert.throws(() => targetFromKubeconfig(stringify(doc)), /names cluster "elsewhere", which is not in clusters/);
    });

    it("accepts insecure-skip-tls-verify: false", () => {
        assert.equal(targetFromKubeconfig(stringify(twoContexts({ "insecure-skip-tls-verify": false }))).serverName, "kubernetes");
    });
});
