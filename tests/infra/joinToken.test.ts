import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { caHash, parseToken, secureToken, TOKEN_USERS } from "../../infra/joinToken";
import { CA_STAGING_DIR } from "../../infra/cloudinit";
import type { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { ofType, synth } from "../support/synth";

const INSTANCE = "openstack:compute/instance:Instance";

interface CloudConfig {
    write_files: { path: string; content: string }[];
}

function cloudConfig(instance: SynthResource): CloudConfig {
    const userData = (instance.inputs.userData as { "@secret": string })["@secret"];
    return parse(userData.replace(/^#cloud-config\n/, "")) as CloudConfig;
}

function fileOf(cc: CloudConfig, path: string): string | undefined {
    return cc.write_files.find((f) => f.path === path)?.content;
}

describe("secure join tokens", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

    it("is K10<sha256 of the CA file bytes>::<user>:<secret>", () => {
        const token = secureToken(pem, "server", "s3cret");
        assert.equal(token, `K10${createHash("sha256").update(pem).digest("hex")}::server:s3cret`);
        assert.deepEqual(parseToken(token), { caHash: caHash(pem), user: "server", secret: "s3cret" });
        assert.deepEqual(parseToken("short"), { secret: "short" });
    });

    it("hashes the exact bytes: a missing trailing newline is a different CA file", () => {
        assert.notEqual(caHash(pem), caHash(pem.trimEnd()));
    });

    for (const stack of ["dev-infra", "prod-infra"]) {
        describe(stack, () => {
            let result: SynthResult;
            before(async () => {
                result = await synth(stack);
            });

            it("every node's tokens carry the hash of the server CA that server-0 writes to disk", () => {
                const nodes = ofType(result, INSTANCE).map(cloudConfig);
                const caFiles = nodes.map((n) => fileOf(n, `${CA_STAGING_DIR}/server-ca.crt`)).filter((f): f is string => f !== undefined);
                assert.equal(caFiles.length, 1, "exactly one node (the initialising server) receives the CA");
                const expected = createHash("sha256").update(caFiles[0], "utf8").digest("hex");
                for (const node of nodes) {
                    const k3s = parse(fileOf(node, "/etc/rancher/k3s/config.yaml")!) as Record<string, string>;
                    const tokens = [k3s.token, k3s["agent-token"]].filter((t) => t !== undefined);
                    assert.ok(tokens.length >= 1);
                    for (const t of tokens) {
                        const parsed = parseToken(t);
                        assert.equal(parsed.caHash, expected, "token pins the server CA");
                        assert.ok(parsed.secret.length > 0);
                    }
                    const user = parseToken(k3s.token).user;
                    assert.equal(user, k3s["agent-token"] ? TOKEN_USERS.server : TOKEN_USERS.agent);
                }
            });
        });
    }
});
