/** Storage values from the pure builders: cloud.conf, OCCM, cinder-csi and the CSI NFS driver and class (no mocks). */
import * as assert from "node:assert/strict";
import { cinderCsiValues, cinderStorageClass, cloudConf, occmValues } from "../../cluster/values/storage";
import { NFS_CSI_DRIVER, nfsCsiValues, nfsStorageClass } from "../../cluster/values/nfsCsi";
import { dev, get } from "./valuesConfigs";

describe("cluster values: storage", () => {
    const creds = {
        authUrl: "https://keystone.example.org:5000/v3",
        region: "RegionOne",
        applicationCredentialId: "id-1",
        applicationCredentialSecret: 'se"cr\\et',
    };

    it("cloud.conf authenticates with the application credential and quotes values", () => {
        const block = { nodeVolumeAttachLimit: 25 };
        const conf = cloudConf(creds, block);
        assert.match(
            conf,
            /^\[Global\]\nauth-url="https:\/\/keystone.example.org:5000\/v3"\nregion="RegionOne"\napplication-credential-id="id-1"\n/,
        );
        assert.match(conf, /application-credential-secret="se\\"cr\\\\et"/);
        assert.match(conf, /\[LoadBalancer\]\nenabled=false/);
        assert.match(conf, /\[BlockStorage\]\nignore-volume-az=true\nnode-volume-attach-limit=25\n/);
        assert.throws(() => cloudConf({ ...creds, applicationCredentialSecret: "" }, block), /application-credential-secret is empty/);
        assert.throws(() => cloudConf({ ...creds, region: "a\nb" }, block), /single line/);
    });

    it("OCCM: existing secret, k3s control-plane label, no service/route controllers", () => {
        const v = occmValues(dev.images.cloudControllerManager);
        assert.deepEqual(v.secret, { enabled: true, create: false, name: "cloud-config" });
        assert.deepEqual(v.nodeSelector, { "node-role.kubernetes.io/control-plane": "true" });
        assert.deepEqual(v.enabledControllers, ["cloud-node", "cloud-node-lifecycle"]);
        assert.deepEqual(v.image, { repository: "registry.k8s.io/provider-os/openstack-cloud-controller-manager", tag: "v1.35.0" });
    });

    it("cinder-csi: mounts the secret, leaves StorageClasses to the layer; `cinder` retains volumes", () => {
        const v = cinderCsiValues(dev.images.cinderCsiPlugin);
        assert.equal(get(v, "secret.name"), "cloud-config");
        assert.equal(get(v, "storageClass.enabled"), false);
        assert.equal(get(v, "csi.plugin.image.tag"), "v1.35.0");
        const sc = cinderStorageClass({ isDefault: true, volumeType: "ssd", protectData: true });
        assert.equal(sc.reclaimPolicy, "Retain");
        assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.deepEqual(sc.parameters, { type: "ssd" });
        assert.equal(
            cinderStorageClass({ isDefault: false, protectData: true }).metadata.annotations["storageclass.kubernetes.io/is-default-class"],
            "false",
        );
        assert.equal(
            cinderStorageClass({ isDefault: true, protectData: false }).reclaimPolicy,
            "Delete",
            "unprotected volumes go with their claims",
        );
        assert.equal(cinderStorageClass({ isDefault: true, protectData: true }).parameters, undefined);
    });

    it("CSI NFS driver: pinned plugin, no fsGroup chown on the root-squashed export, directories kept, the class made by the layer", () => {
        const v = nfsCsiValues("registry.example.org/sig-storage/nfsplugin:v9.9.9");
        assert.deepEqual(get(v, "image.nfs"), { repository: "registry.example.org/sig-storage/nfsplugin", tag: "v9.9.9" });
        assert.equal(get(v, "feature.enableFSGroupPolicy"), false);
        assert.equal(get(v, "controller.defaultOnDeletePolicy"), "retain");
        assert.equal(get(v, "controller.enableSnapshotter"), false);
        assert.equal(get(v, "externalSnapshotter.enabled"), false, "the layer's own snapshot-controller serves the cluster");
        assert.equal(get(v, "storageClass.create"), false);
        for (const part of [
            "controller.resources.nfs",
            "controller.resources.csiProvisioner",
            "controller.resources.csiResizer",
            "controller.resources.livenessProbe",
            "node.resources.nfs",
            "node.resources.nodeDriverRegistrar",
            "node.resources.livenessProbe",
        ]) {
            assert.ok(get(v, `${part}.requests.memory`) && get(v, `${part}.limits.memory`), part);
        }
    });

    it("CSI NFS class `nfs`: RWX directories <namespace>/<claim> on infra's export, mode 0777, retained", () => {
        const sc = nfsStorageClass({ server: "10.0.0.5", path: "/srv/nfs" });
        assert.equal(sc.metadata.name, "nfs");
        assert.equal(sc.provisioner, NFS_CSI_DRIVER);
        assert.deepEqual(sc.parameters, {
            server: "10.0.0.5",
            share: "/srv/nfs",
            subDir: "${pvc.metadata.namespace}/${pvc.metadata.name}",
            mountPermissions: "0777",
            onDelete: "retain",
        });
        assert.equal(sc.reclaimPolicy, "Retain");
        assert.equal(sc.volumeBindingMode, "Immediate");
        assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "false");
        assert.throws(() => nfsStorageClass({ server: "", path: "srv" }), /needs a server and an absolute path/);
    });
});
