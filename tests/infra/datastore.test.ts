/**
 * A single server's datastore outlives its VM: a protected Cinder volume, attached to server-0,
 * mounted on k3s' server directory before k3s first starts, kept across a k3s patch upgrade
 * (which replaces the VM), and released by a drain that keeps the etcd member.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { datastoreScript } from "../../infra/datastore";
import { bootstrapScript } from "../../infra/bootstrap";
import { nfsDataScript } from "../../infra/nfsData";
import { byName, ofType, synth } from "../support/synth";
import { nextPatch } from "../support/k3sVersions";

const INSTANCE = "openstack:compute/instance:Instance";
const VOLUME = "openstack:blockstorage/volume:Volume";
const ATTACH = "openstack:compute/volumeAttach:VolumeAttach";

const server0 = (r: SynthResult) => ofType(r, INSTANCE).find((i) => (i.inputs.metadata as Record<string, string>).slot === "server-0")!;
const runcmd = (i: SynthResource) =>
    (
        parse((i.inputs.userData as { "@secret": string })["@secret"].replace(/^#cloud-config\n/, "")) as { runcmd: (string | string[])[] }
    ).runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : c));

describe("a single server's datastore volume", function () {
    // Several fresh synths (overrides, previous outputs) are not cached.
    this.timeout(120_000);
    let dev: SynthResult;
    let prod: SynthResult;
    before(async () => {
        dev = await synth("dev-infra");
        prod = await synth("prod-infra");
    });

    it("dev: a protected volume attached to server-0; the drain keeps the etcd member and waits for it", () => {
        const volume = byName(dev, "dev-k3s-server-0-datastore");
        assert.equal(volume.type, VOLUME);
        assert.equal(volume.options.protect, true, "deleting the datastore needs intent");
        const attach = byName(dev, "dev-k3s-server-0-datastore-attach");
        assert.equal(attach.type, ATTACH);
        assert.equal(attach.inputs.volumeId, `${volume.inputs.name}-id`);
        const lifecycle = byName(dev, "dev-k3s-server-0-lifecycle");
        assert.ok(lifecycle.options.dependsOn.includes(attach.urn), "the drain runs before the volume is detached");
        assert.equal((lifecycle.inputs.environment as Record<string, string>).KEEP_ETCD_MEMBER, "1");
        // The volume is not part of the node's spec: nothing but its id reaches the user-data.
        assert.ok(!ofType(dev, VOLUME).some((v) => v.options.replaceOnChanges.length > 0));
    });

    it("prod (HA): no datastore volume; a replaced server joins afresh and its old member goes with its Node", () => {
        assert.ok(!ofType(prod, VOLUME).some((v) => String(v.inputs.name).includes("datastore")));
        for (const lifecycle of ofType(prod, "command:local:Command").filter((c) => c.name.endsWith("-lifecycle"))) {
            assert.equal((lifecycle.inputs.environment as Record<string, string>).KEEP_ETCD_MEMBER, undefined);
        }
    });

    it("mounts the datastore before k3s first starts, in the rendered cloud-init order", () => {
        const steps = runcmd(server0(dev));
        const at = (pattern: RegExp) => {
            const i = steps.findIndex((s) => pattern.test(s));
            assert.ok(i >= 0, `runcmd has ${pattern}`);
            return i;
        };
        const mount = at(/^\/usr\/local\/sbin\/k3s-datastore start$/);
        // The CAs are written before runcmd: into the server directory only once the volume hides it.
        const cas = at(/cp -Rp \/run\/k3s-cluster-ca\/\. \/var\/lib\/rancher\/k3s\/server\/tls\//);
        const install = at(/INSTALL_K3S_SKIP_START=true .*install\.sh/);
        const decide = at(/^\/usr\/local\/sbin\/k3s-bootstrap$/);
        const start = at(/^systemctl start k3s\.service$/);
        assert.ok(mount < cas && cas < install && install < decide && decide < start, steps.join("\n"));
        const files = (
            parse((server0(dev).inputs.userData as { "@secret": string })["@secret"].replace(/^#cloud-config\n/, "")) as {
                write_files: { path: string; content: string }[];
            }
        ).write_files;
        const dropIn = files.find((f) => f.path === "/etc/systemd/system/k3s.service.d/datastore.conf");
        assert.match(dropIn!.content, /RequiresMountsFor=\/var\/lib\/rancher\/k3s\/server/, "after a reboot k3s waits for the mount");
        assert.ok(!runcmd(server0(prod)).some((s) => s.includes("k3s-datastore")));
    });

    it("a k3s patch upgrade replaces dev's only server and keeps the same datastore volume", async () => {
        const bumped = await synth("dev-infra", {
            "data-platform:k3sVersion": nextPatch(
                String(server0(dev).inputs.metadata && (server0(dev).inputs.metadata as Record<string, string>)["k3s-version"]),
            ),
        });
        assert.notEqual(server0(bumped).inputs.name, server0(dev).inputs.name, "the VM is replaced");
        assert.deepEqual(
            byName(bumped, "dev-k3s-server-0-datastore"),
            byName(dev, "dev-k3s-server-0-datastore"),
            "the volume is untouched",
        );
        assert.equal(
            byName(bumped, "dev-k3s-server-0-datastore-attach").inputs.volumeId,
            byName(dev, "dev-k3s-server-0-datastore-attach").inputs.volumeId,
        );
        assert.ok(runcmd(server0(bumped)).includes("/usr/local/sbin/k3s-datastore start"));
    });

    it("the node-side scripts are valid sh", () => {
        const id = "3f2c8a1e-7b4d-4e6f-9a0b-5c1d2e3f4a5b";
        for (const script of [
            datastoreScript({ volumeId: id }),
            bootstrapScript("https://10.0.0.11:6443"),
            nfsDataScript({ volumeId: id, exportPath: "/srv/nfs" }, { datastore: true }),
        ]) {
            execFileSync("sh", ["-n"], { input: script });
        }
        const release = nfsDataScript({ volumeId: id, exportPath: "/srv/nfs" }, { datastore: true });
        // Released, then the Node deleted (by the drain), then k3s stopped and the datastore unmounted.
        const order = ["=released", "--for=delete", "systemctl stop k3s.service", "/usr/local/sbin/k3s-datastore stop"].map((s) =>
            release.indexOf(s),
        );
        assert.ok(
            order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1])),
            release,
        );
        assert.ok(!nfsDataScript({ volumeId: id, exportPath: "/srv/nfs" }).includes("k3s-datastore"));
    });
});
