/**
 * The pure pieces of "k3s made of upstream parts" (tests/lifetime/parts/wrapper), run on the
 * host: it reads the configuration the infra layer renders the way k3s does (tokens split into
 * CA hash and secret, flags over the file), and issues leaf certificates that chain to the
 * rendered CAs with the SANs the API is dialled at.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { k3sConfig, NodeSpec } from "../../infra/cloudinit";
import { caHash, secureToken, TOKEN_USERS } from "../../infra/joinToken";
import { requireDebianPackage } from "../support/debian";
import { OpensslPki } from "../support/opensslPki";
import { tempDir } from "../support/tempDir";

const WRAPPER = path.join(__dirname, "parts", "wrapper");
const CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
const secrets = {
    token: secureToken(CA, TOKEN_USERS.server, "server-secret"),
    agentToken: secureToken(CA, TOKEN_USERS.agent, "agent-secret"),
};
const common = {
    nodeName: "prod-server-1-abc123",
    k3sVersion: "v1.35.6+k3s1",
    k3sInstall: { kind: "preinstalled" },
    labels: { role: "server" },
    nodeIp: "10.9.0.12",
    flannelBackend: "vxlan",
} as const;
const server = (first: boolean): NodeSpec =>
    ({
        ...common,
        role: "server",
        bootstrap: first ? "metadata" : "join",
        serverUrl: "https://10.9.0.10:6443",
        tlsSans: ["10.9.0.10", "api.example.test"],
        etcdSnapshotSchedule: "*/5 * * * *",
        etcdSnapshotRetention: 3,
        localPathStorage: false,
        taints: ["node-role.kubernetes.io/control-plane:NoSchedule"],
    }) as unknown as NodeSpec;

/** `dropIn`: a config.yaml.d file (what server-0's bootstrap script writes). */
function readConfig(spec: NodeSpec, flags: string[] = [], dropIn?: string): Record<string, string> {
    const dir = tempDir("k3s-config");
    try {
        const file = path.join(dir, "config.yaml");
        fs.writeFileSync(file, stringify(k3sConfig(spec, secrets)));
        if (dropIn) {
            fs.mkdirSync(`${file}.d`);
            fs.writeFileSync(path.join(`${file}.d`, "10-bootstrap.yaml"), dropIn);
        }
        const script =
            `eval "$(python3 "$1" "$2" "\${@:3}")"; for v in node_name node_ip cluster_init ` +
            `server_url token_hash token_secret agent_secret tls_sans node_taints snapshot_cron ` +
            `snapshot_retention cluster_reset restore_path; do printf '%s=%s\\n' "$v" "\${!v}"; done`;
        const out = execFileSync("bash", ["-c", script, "sh", path.join(WRAPPER, "config.py"), file, ...flags], { encoding: "utf8" });
        return Object.fromEntries(
            out
                .trim()
                .split("\n")
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("k3s made of upstream parts: the wrapper", () => {
    before(function () {
        // python3-yaml comes with cloud-init.
        requireDebianPackage(this, "cloud-init");
    });

    it("names no helper like a standard-library module (Python puts the helpers' folder first on the import path)", () => {
        // A helper named token.py shadowed the standard `token` module: every helper that imported
        // `cryptography` (which reaches `tokenize`) failed, and k3s.service never started on a VM.
        const stdlib = execFileSync("python3", ["-c", "import sys; print('\\n'.join(sorted(sys.stdlib_module_names)))"], {
            encoding: "utf8",
        })
            .trim()
            .split("\n");
        const helpers = fs
            .readdirSync(WRAPPER)
            .filter((f) => f.endsWith(".py"))
            .map((f) => f.slice(0, -3));
        assert.ok(helpers.length > 0, "the wrapper has Python helpers");
        assert.deepEqual(
            helpers.filter((h) => stdlib.includes(h)),
            [],
            "helpers named like standard-library modules",
        );
    });

    it(
        "reads the first server's rendered config with its bootstrap drop-in: " +
            "cluster-init, no server URL, the token's CA hash and secret",
        () => {
            assert.equal(readConfig(server(true)).cluster_init, "", "without the drop-in the first server neither initialises nor joins");
            const c = readConfig(server(true), [], "cluster-init: true\n");
            assert.equal(c.cluster_init, "true");
            assert.equal(c.server_url, "");
            assert.equal(c.token_hash, caHash(CA));
            assert.equal(c.token_secret, "server-secret");
            assert.equal(c.agent_secret, "agent-secret");
            assert.equal(c.tls_sans, "10.9.0.10,api.example.test");
            assert.equal(c.node_taints, "node-role.kubernetes.io/control-plane:NoSchedule");
            assert.equal(c.snapshot_cron, "*/5 * * * *");
            assert.equal(c.snapshot_retention, "3");
        },
    );

    it("reads a joining server's config: the server URL, no cluster-init", () => {
        const c = readConfig(server(false));
        assert.equal(c.cluster_init, "");
        assert.equal(c.server_url, "https://10.9.0.10:6443");
    });

    it("takes command-line flags over the file, as k3s does (--cluster-reset with a restore path)", () => {
        const c = readConfig(server(true), ["--cluster-reset", "--cluster-reset-restore-path=/tmp/snap.db", "--node-ip", "10.9.0.99"]);
        assert.equal(c.cluster_reset, "true");
        assert.equal(c.restore_path, "/tmp/snap.db");
        assert.equal(c.node_ip, "10.9.0.99");
    });

    it("reads an agent's token: its CA hash and the agent secret", () => {
        const agent = { ...common, role: "agent", serverUrl: "https://10.9.0.10:6443" } as unknown as NodeSpec;
        const c = readConfig(agent);
        assert.equal(c.server_url, "https://10.9.0.10:6443");
        assert.equal(c.token_hash, caHash(CA));
        assert.equal(c.token_secret, "agent-secret");
    });

    it("issues server certificates that chain to the cluster CAs, the API's naming every dialled address", function () {
        requireDebianPackage(this, "openssl");
        const pki = new OpensslPki({ prefix: "k3s-pki-" });
        const dir = pki.dir;
        try {
            for (const ca of ["server-ca", "client-ca", "request-header-ca", "etcd/server-ca", "etcd/peer-ca"])
                pki.ca(ca, { subject: `/CN=${ca.replace("/", "-")}`, extensions: ["basicConstraints=critical,CA:true"] });
            execFileSync("bash", [
                "-c",
                `. "$1" && server_certs "$2" node-a 10.9.0.12 10.9.0.10,api.example.test`,
                "sh",
                path.join(WRAPPER, "pki.sh"),
                dir,
            ]);
            const verify = (ca: string, cert: string) =>
                execFileSync("openssl", ["verify", "-CAfile", path.join(dir, `${ca}.crt`), path.join(dir, `${cert}.crt`)], {
                    encoding: "utf8",
                });
            assert.match(verify("server-ca", "serving-kube-apiserver"), /OK/);
            assert.match(verify("client-ca", "client-admin"), /OK/);
            assert.match(verify("etcd/peer-ca", "etcd/peer-server-client"), /OK/);
            const text = execFileSync("openssl", ["x509", "-noout", "-text", "-in", path.join(dir, "serving-kube-apiserver.crt")], {
                encoding: "utf8",
            });
            for (const san of ["DNS:kubernetes", "IP Address:10.9.0.10", "IP Address:10.9.0.12", "DNS:api.example.test"])
                assert.ok(text.includes(san), `${san} in the API's certificate`);
            const admin = execFileSync("openssl", ["x509", "-noout", "-subject", "-in", path.join(dir, "client-admin.crt")], {
                encoding: "utf8",
            });
            assert.match(admin, /O\s*=\s*system:masters/);
        } finally {
            pki.dispose();
        }
    });
});
