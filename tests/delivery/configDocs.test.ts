/**
 * docs/config.md is generated from the layers' config readers (delivery/configDocs): the
 * committed file must be what the generator writes today, and the generator refuses gaps
 * between the readers and the descriptions.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_DOCS_FILE, generateConfigDocs } from "../../delivery/configDocs/generate";
import { collectLayer } from "../../delivery/configDocs/collect";
import { checkedLayer } from "../../delivery/configDocs/render";
import { isSecretKey } from "../../lib/config/secrets";

const ROOT = path.join(__dirname, "..", "..");

describe("docs/config.md: one source with the config readers", () => {
    it("is what npm run config-docs generates from the readers today", function () {
        this.timeout(60000);
        const committed = fs.readFileSync(path.join(ROOT, CONFIG_DOCS_FILE), "utf8");
        assert.ok(committed === generateConfigDocs(), `${CONFIG_DOCS_FILE} is stale: run npm run config-docs and commit the result`);
    });

    it("refuses a key the reader reads without a description, and a description of a key nothing reads", () => {
        const refs = collectLayer("cluster");
        const extra = { ...refs[0], key: "kafkaBrokerz" };
        assert.throws(() => checkedLayer("cluster", [...refs, extra]), /kafkaBrokerz is read by the cluster layer but has no description/);
        assert.throws(
            () =>
                checkedLayer(
                    "cluster",
                    refs.filter((r) => r.key !== "kafkaBrokers"),
                ),
            /kafkaBrokers is described .* but the cluster layer never reads it/,
        );
    });

    it("lists the keys each layer reads, with kinds, defaults and secrets from the reader", () => {
        const infra = new Map(collectLayer("infra").map((r) => [r.key, r]));
        assert.equal(infra.get("serverCount")?.kind, "integer");
        assert.deepEqual(infra.get("serverCount")?.defaults, ["1"]);
        assert.equal(infra.get("k3sVersion")?.required, true);
        assert.equal(infra.get("backupStoreSecretKey")?.secret, true);
    });

    it("every key a layer reads as a credential is in the one list of secret keys", () => {
        for (const layer of ["infra", "cluster", "apps"] as const) {
            for (const ref of collectLayer(layer).filter((r) => r.kind === "secret")) {
                assert.ok(
                    isSecretKey(ref.key),
                    `${layer} reads ${ref.key} as a secret but lib/config/secrets.ts SECRET_KEYS does not list it`,
                );
            }
        }
    });
});
