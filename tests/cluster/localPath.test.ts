import * as assert from "node:assert/strict";
import { ofType, synth } from "../support/synth";

const PATCH = "kubernetes:storage.k8s.io/v1:StorageClassPatch";

describe("cluster: k3s local-path storage follows infra", () => {
    it("demotes local-path where infra keeps it (dev) and leaves it alone where infra disabled it (prod)", async () => {
        const dev = await synth("dev-cluster");
        const prod = await synth("prod-cluster");
        const patches = ofType(dev, PATCH);
        assert.equal(patches.length, 1);
        assert.equal((patches[0].inputs.metadata as any).annotations["storageclass.kubernetes.io/is-default-class"], "false");
        assert.equal(ofType(prod, PATCH).length, 0);
    });

    it("refuses local-path as the default class when infra disabled it", async () => {
        await assert.rejects(
            synth("prod-cluster", { "data-platform:defaultStorageClass": "local-path" }),
            /defaultStorageClass = "local-path", but the infra stack disabled k3s' local-path storage/,
        );
    });
});
