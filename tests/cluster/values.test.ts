/** Across all Helm values: the host-network pods that need the metadata service get through the guard (no mocks). */
import * as assert from "node:assert/strict";
import { cinderCsiValues, occmValues } from "../../cluster/values/storage";
import { dev, get } from "./valuesConfigs";

describe("cluster values: the metadata guard and the pods that need the metadata service", () => {
    const { guardVerdict } = require("../../infra/metadataGuard") as typeof import("../../infra/metadataGuard");
    const { HOST_NETWORK_PODS } = require("../../cluster/values/storage") as typeof import("../../cluster/values/storage");

    it(
        "every host-network pod that needs the metadata service gets through the guard; " +
            "the cloud controller (UID 1001) is dropped and needs none",
        () => {
            // The UIDs the values state, so the table cannot drift from what the charts are told.
            assert.equal(
                get(occmValues(dev.images.cloudControllerManager), "podSecurityContext.runAsUser"),
                HOST_NETWORK_PODS["openstack-cloud-controller-manager"].uid,
            );
            assert.equal(
                get(cinderCsiValues(dev.images.cinderCsiPlugin), "csi.plugin.nodePlugin.podSecurityContext.runAsUser"),
                HOST_NETWORK_PODS["cinder-csi node plugin"].uid,
            );
            for (const [pod, p] of Object.entries(HOST_NETWORK_PODS)) {
                const verdict = guardVerdict({ hostNetwork: true, uid: p.uid });
                if (p.needsMetadata) assert.equal(verdict, "allowed", `${pod} needs the metadata service`);
            }
            assert.equal(guardVerdict({ hostNetwork: true, uid: 1001 }), "dropped");
            assert.equal(guardVerdict({ hostNetwork: false }), "dropped");
            // The comment that explains the guard names the real UID.
            const source = require("node:fs").readFileSync(
                require("node:path").join(__dirname, "../../infra/metadataGuard.ts"),
                "utf8",
            ) as string;
            assert.match(source, /cloud controller manager also runs on the host network, but as\s+\* UID 1001/);
            assert.doesNotMatch(source, /cloud controller manager, cinder-csi node plugin\) run as root/);
        },
    );
});
