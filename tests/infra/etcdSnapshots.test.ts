/** What an etcd snapshot holds encrypted, and with which key (docs/security.md, "What an etcd snapshot encrypts"). */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { etcdS3Settings } from "../../infra/etcdS3";
import { byName, synth } from "../support/synth";

const k3sConfigOf = (userData: string) => {
    const doc = parse(userData.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] };
    return parse(doc.write_files.find((f) => f.path === "/etc/rancher/k3s/config.yaml")!.content) as Record<string, unknown>;
};

describe("etcd snapshots: what is encrypted and where the key lives", () => {
    it("Secrets are encrypted at rest with k3s' default provider; the datastore's bootstrap data with the server token", async () => {
        const dev = await synth("dev-infra");
        const server = dev.resources.find((r) => r.type === "openstack:compute/instance:Instance" && String(r.name).includes("server-0"))!;
        const userData = String((server.inputs.userData as any)?.["@secret"] ?? server.inputs.userData);
        const config = k3sConfigOf(userData);
        assert.equal(config["secrets-encryption"], true);
        assert.equal(config["secrets-encryption-provider"], undefined, "k3s' default (aescbc)");
        assert.equal(typeof config.token, "string", "the server token the bootstrap data is encrypted with");
        // The token is generated once in the infra stack's state.
        const token = byName(dev, "dev-k3s-server-token");
        assert.equal(token.type, "random:index/randomPassword:RandomPassword");
    });

    it("snapshots travel over TLS unless the endpoint says http", () => {
        const creds = { accessKey: "a", secretKey: "s" };
        const target = { bucket: "b", region: "r", folder: "dev/etcd" };
        assert.equal(etcdS3Settings({ ...target, endpoint: "https://object.example.org" }, creds)["etcd-s3-insecure"], undefined);
        assert.equal(etcdS3Settings({ ...target, endpoint: "http://minio.example.org:9000" }, creds)["etcd-s3-insecure"], true);
    });
});
