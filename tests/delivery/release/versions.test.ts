/** Release versions (delivery/release/versions.ts): k3s release order, image names, Kubernetes quantities. */
import * as assert from "node:assert/strict";
import { quantity } from "../../../delivery/rollback/rollback";
import { compareK3s, parseK3sVersion, splitImage } from "../../../delivery/release/versions";

describe("delivery: versions", () => {
    it("orders k3s releases by Kubernetes version, then by +k3sN build", () => {
        const v = (s: string) => parseK3sVersion(s)!;
        assert.ok(compareK3s(v("v1.35.6+k3s1"), v("v1.35.6+k3s2")) < 0);
        assert.ok(compareK3s(v("v1.35.6+k3s9"), v("v1.35.10+k3s1")) < 0, "numeric, not lexical");
        assert.ok(compareK3s(v("v1.36.0+k3s1"), v("v1.35.99+k3s3")) > 0);
        assert.equal(compareK3s(v("v1.35.6+k3s1"), v("v1.35.6+k3s1")), 0);
        assert.equal(parseK3sVersion("latest"), undefined);
    });

    it("splits images with registry ports and digests", () => {
        assert.deepEqual(splitImage("registry:5000/team/app:1.2.3"), { repository: "registry:5000/team/app", tag: "1.2.3" });
        assert.deepEqual(splitImage("registry:5000/team/app"), { repository: "registry:5000/team/app" });
        assert.deepEqual(splitImage("app@sha256:abc"), { repository: "app", digest: "sha256:abc" });
    });

    it("reads Kubernetes quantities", () => {
        assert.equal(quantity("10Gi"), 10 * 2 ** 30);
        assert.equal(quantity("500M"), 5e8);
        assert.equal(quantity(20), 20);
        assert.equal(quantity("lots"), undefined);
    });
});
