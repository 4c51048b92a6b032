import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { AgentSpec, installScriptUrl, k3sConfig, renderUserData, ServerSpec } from "../../infra/cloudinit";
import { requireDebianPackage } from "../support/debian";
import { ofType, synth } from "../support/synth";

const run = promisify(execFile);

const server: ServerSpec = {
    role: "server",
    nodeName: "dev-server-0-abc123",
    k3sVersion: "v1.35.6+k3s1",
    labels: { "platform.example.org/role": "server" },
    nodeIp: "10.0.0.11",
    flannelBackend: "vxlan",
    clusterInit: true,
    tlsSans: ["198.51.100.7", "10.0.0.11"],
    etcdSnapshotSchedule: "0 */6 * * *",
    etcdSnapshotRetention: 12,
    localPathStorage: true,
    nfs: { volumeId: "0123456789abcdef0123456789", exportPath: "/srv/nfs", clientCidr: "10.0.0.0/24" },
};
const agent: AgentSpec = {
    role: "agent",
    nodeName: "dev-agent-0-def456",
    k3sVersion: "v1.35.6+k3s1",
    labels: {},
    nodeIp: "10.0.0.21",
    flannelBackend: "vxlan",
    serverUrl: "https://10.0.0.11:6443",
};
const ca = Object.fromEntries(
    ["serverCaCert", "serverCaKey", "clientCaCert", "clientCaKey", "requestHeaderCaCert", "requestHeaderCaKey", "etcdServerCaCert", "etcdServerCaKey", "etcdPeerCaCert", "etcdPeerCaKey", "serviceKey"].map((k) => [k, `PEM ${k}`]),
) as any;
const secrets = { token: "server-token", agentToken: "agent-token", ca };

function cloudConfig(text: string): any {
    assert.ok(text.startsWith("#cloud-config\n"));
    return parse(text);
}

describe("user-data rendering (pure)", () => {
    it("writes the server's k3s config with both tokens, tls-san, cluster-init and no traefik", () => {
        const config = k3sConfig(server, secrets);
        assert.equal(config.token, "server-token");
        assert.equal(config["agent-token"], "agent-token");
        assert.equal(config["cluster-init"], true);
        assert.equal(config.server, undefined);
        assert.deepEqual(config["tls-san"], ["198.51.100.7", "10.0.0.11"]);
        assert.deepEqual(config.disable, ["traefik"]);
        assert.equal(config["secrets-encryption"], true);
        assert.equal(config["disable-cloud-controller"], true, "the OpenStack cloud controller manager owns node initialisation");
        assert.deepEqual(k3sConfig({ ...server, localPathStorage: false }, secrets).disable, ["traefik", "local-storage"]);
        assert.deepEqual(config["node-label"], ["platform.example.org/role=server"]);
    });

    it("joins a non-initial server through the server URL instead of cluster-init", () => {
        const config = k3sConfig({ ...server, clusterInit: false, serverUrl: "https://10.0.0.10:6443" }, secrets);
        assert.equal(config["cluster-init"], undefined);
        assert.equal(config.server, "https://10.0.0.10:6443");
    });

    it("gives an agent only the agent token and the server URL", () => {
        const config = k3sConfig(agent, secrets);
        assert.deepEqual(Object.keys(config).sort(), ["kube-proxy-arg", "kubelet-arg", "node-ip", "node-label", "node-name", "server", "token"]);
        assert.deepEqual(config["kube-proxy-arg"], ["metrics-bind-address=0.0.0.0"], "kube-proxy metrics are scrapeable on agents too");
        assert.deepEqual(config["kubelet-arg"], ["cloud-provider=external"]);
        assert.equal(config.token, "agent-token");
    });

    it("places the cluster CAs where k3s adopts them, only on the initialising server", () => {
        const files = (doc: any) => doc.write_files.map((f: any) => f.path) as string[];
        const init = cloudConfig(renderUserData(server, secrets));
        assert.ok(files(init).includes("/var/lib/rancher/k3s/server/tls/server-ca.crt"));
        assert.ok(files(init).includes("/var/lib/rancher/k3s/server/tls/etcd/peer-ca.key"));
        assert.ok(files(init).includes("/var/lib/rancher/k3s/server/tls/service.key"));
        const key = init.write_files.find((f: any) => f.path.endsWith("client-ca.key"));
        assert.equal(key.permissions, "0600");
        const joiner = cloudConfig(renderUserData({ ...server, clusterInit: false, serverUrl: "https://10.0.0.10:6443" }, secrets));
        assert.ok(!files(joiner).some((p) => p.includes("/server/tls/")), "joining servers get CAs from the cluster");
        assert.ok(!files(cloudConfig(renderUserData(agent, secrets))).some((p) => p.includes("/tls/")));
    });

    it("installs the pinned k3s release with the install script of the same tag", () => {
        const doc = cloudConfig(renderUserData(agent, secrets));
        const install = doc.runcmd.at(-1).join(" ");
        assert.ok(install.includes(installScriptUrl("v1.35.6+k3s1")));
        assert.ok(install.includes("/v1.35.6%2Bk3s1/install.sh"));
        assert.ok(install.includes("INSTALL_K3S_VERSION='v1.35.6+k3s1'"));
        assert.ok(install.includes("INSTALL_K3S_EXEC='agent'"));
        assert.ok(!/sleep \d/.test(renderUserData(server, secrets)), "no fixed sleeps");
    });

    it("installs the NFS client on every node and keeps pods away from the metadata service", () => {
        for (const spec of [server, agent]) {
            const doc = cloudConfig(renderUserData(spec, secrets));
            assert.ok(doc.packages.includes("nfs-common"), `${spec.role}: kubelet needs mount.nfs for RWX volumes`);
            const guard = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/pod-metadata-guard.service");
            assert.match(guard.content, /iptables -t raw -I PREROUTING -s 10\.42\.0\.0\/16 -d 169\.254\.169\.254\/32 -j DROP/);
            assert.match(guard.content, /Before=k3s\.service k3s-agent\.service/);
            const enable = doc.runcmd.findIndex((c: string[]) => c.join(" ") === "systemctl enable --now pod-metadata-guard.service");
            const install = doc.runcmd.findIndex((c: string[]) => c.join(" ").includes("k3s-install.sh"));
            assert.ok(enable >= 0 && enable < install, "the guard is up before k3s starts");
        }
    });

    it("formats the NFS volume only when it has no filesystem, waiting for its device", () => {
        const doc = cloudConfig(renderUserData(server, secrets));
        const format = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/nfs-data-format.service");
        assert.match(format.content, /blkid \/dev\/disk\/by-id\/virtio-0123456789abcdef0123 \|\| mkfs\.ext4/);
        assert.match(format.content, /After=dev-disk-by\\x2did-virtio\\x2d0123456789abcdef0123\.device/);
        const exports = doc.write_files.find((f: any) => f.path === "/etc/exports.d/k3s-data.exports");
        assert.equal(exports.content, "/srv/nfs 10.0.0.0/24(rw,sync,no_subtree_check,no_root_squash)\n");
        assert.ok(doc.packages.includes("nfs-kernel-server"));
        const dropIn = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/nfs-server.service.d/data-volume.conf");
        assert.equal(dropIn.content, "[Unit]\nRequiresMountsFor=/srv/nfs\n", "nfs-server never serves the root disk's directory");
        assert.ok(doc.runcmd.some((c: string[]) => c.join(" ") === "sh -c mountpoint -q /srv/nfs && exportfs -ra"));
    });
});

describe("rendered user-data passes `cloud-init schema`", function () {
    this.timeout(60_000);
    let dir: string;
    before(function () {
        requireDebianPackage(this, "cloud-init");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "userdata-"));
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("the check itself refuses a broken document", async () => {
        const file = path.join(dir, "broken.yaml");
        fs.writeFileSync(file, "#cloud-config\nwrite_files: yes\npackage_update: sometimes\n");
        const { stdout } = await run("cloud-init", ["schema", "-c", file]).catch((err) => ({ stdout: String(err.stdout ?? "") }));
        assert.ok(!stdout.includes("Valid cloud-config"));
    });

    for (const stack of ["dev-infra", "prod-infra"]) {
        it(`every node of ${stack}`, async () => {
            const result = await synth(stack);
            const instances = ofType(result, "openstack:compute/instance:Instance");
            assert.ok(instances.length > 0);
            const outcomes = await Promise.all(
                instances.map(async (instance) => {
                    const file = path.join(dir, `${instance.name}.yaml`);
                    fs.writeFileSync(file, (instance.inputs.userData as { "@secret": string })["@secret"]);
                    const { stdout, stderr } = await run("cloud-init", ["schema", "-c", file]).catch((err) => ({ stdout: String(err.stdout ?? ""), stderr: String(err.stderr ?? err.message) }));
                    return { name: instance.name, valid: stdout.includes("Valid cloud-config"), output: `${stdout}${stderr}` };
                }),
            );
            for (const outcome of outcomes) assert.ok(outcome.valid, `${outcome.name}: ${outcome.output}`);
        });
    }
});
