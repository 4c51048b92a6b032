/** Each node's user-data as rendered (pure): k3s config, CAs, the pinned install, keepalived, NFS and the metadata guard. */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { AgentSpec, caInstalledPath, k3sConfig, renderUserData, ServerSpec } from "../../infra/cloudinit";
import { INSTALL_SCRIPT_COMMIT, INSTALL_SCRIPT_SHA256, installScript } from "../../infra/k3sInstall";
import { K3S_RELEASES } from "../../infra/k3sReleases";

const server: ServerSpec = {
    role: "server",
    nodeName: "dev-server-0-abc123",
    k3sVersion: "v1.35.6+k3s1",
    k3sInstall: { mode: "download" },
    labels: { "platform.example.org/role": "server" },
    nodeIp: "10.0.0.11",
    flannelBackend: "vxlan",
    bootstrap: "metadata",
    serverUrl: "https://10.0.0.11:6443",
    tlsSans: ["198.51.100.7", "10.0.0.11"],
    etcdSnapshotSchedule: "0 */6 * * *",
    etcdSnapshotRetention: 12,
    localPathStorage: true,
    nfs: { volumeId: "0123456789abcdef0123456789", exportPath: "/srv/nfs" },
};
const agent: AgentSpec = {
    role: "agent",
    nodeName: "dev-agent-0-def456",
    k3sVersion: "v1.35.6+k3s1",
    k3sInstall: { mode: "download" },
    labels: {},
    nodeIp: "10.0.0.21",
    flannelBackend: "vxlan",
    serverUrl: "https://10.0.0.11:6443",
};
const ca = Object.fromEntries(
    [
        "serverCaCert",
        "serverCaKey",
        "clientCaCert",
        "clientCaKey",
        "requestHeaderCaCert",
        "requestHeaderCaKey",
        "etcdServerCaCert",
        "etcdServerCaKey",
        "etcdPeerCaCert",
        "etcdPeerCaKey",
        "serviceKey",
    ].map((k) => [k, `PEM ${k}`]),
) as any;
const secrets = { token: "server-token", agentToken: "agent-token", ca };

function cloudConfig(text: string): any {
    assert.ok(text.startsWith("#cloud-config\n"));
    return parse(text);
}

describe("user-data rendering (pure)", () => {
    it(
        "writes the server's k3s config with both tokens, tls-san and no traefik; " +
            "the first server's cluster-init/server is left to its bootstrap",
        () => {
            const config = k3sConfig(server, secrets);
            assert.equal(config.token, "server-token");
            assert.equal(config["agent-token"], "agent-token");
            assert.equal(config["cluster-init"], undefined);
            assert.equal(config.server, undefined);
            assert.deepEqual(config["tls-san"], ["198.51.100.7", "10.0.0.11"]);
            assert.deepEqual(config.disable, ["traefik"]);
            assert.equal(config["secrets-encryption"], true);
            assert.equal(config["disable-cloud-controller"], true, "the OpenStack cloud controller manager owns node initialisation");
            assert.deepEqual(k3sConfig({ ...server, localPathStorage: false }, secrets).disable, ["traefik", "local-storage"]);
            assert.deepEqual(config["node-label"], ["platform.example.org/role=server"]);
        },
    );

    it("joins a non-initial server through the server URL instead of cluster-init", () => {
        const config = k3sConfig({ ...server, bootstrap: "join", serverUrl: "https://10.0.0.10:6443" }, secrets);
        assert.equal(config["cluster-init"], undefined);
        assert.equal(config.server, "https://10.0.0.10:6443");
    });

    it("gives an agent only the agent token and the server URL", () => {
        const config = k3sConfig(agent, secrets);
        assert.deepEqual(Object.keys(config).sort(), [
            "kube-proxy-arg",
            "kubelet-arg",
            "node-ip",
            "node-label",
            "node-name",
            "server",
            "token",
        ]);
        assert.deepEqual(config["kube-proxy-arg"], ["metrics-bind-address=0.0.0.0"], "kube-proxy metrics are scrapeable on agents too");
        assert.deepEqual(config["kubelet-arg"], ["cloud-provider=external"]);
        assert.equal(config.token, "agent-token");
    });

    it("places the cluster CAs where k3s adopts them, only on the first server (the one that may initialise)", () => {
        const files = (doc: any) => doc.write_files.map((f: any) => f.path) as string[];
        const init = cloudConfig(renderUserData(server, secrets));
        const installed = files(init).map(caInstalledPath);
        assert.ok(installed.includes("/var/lib/rancher/k3s/server/tls/server-ca.crt"));
        assert.ok(installed.includes("/var/lib/rancher/k3s/server/tls/etcd/peer-ca.key"));
        assert.ok(installed.includes("/var/lib/rancher/k3s/server/tls/service.key"));
        const key = init.write_files.find((f: any) => f.path.endsWith("client-ca.key"));
        assert.equal(key.permissions, "0600");
        const joiner = cloudConfig(renderUserData({ ...server, bootstrap: "join", serverUrl: "https://10.0.0.10:6443" }, secrets));
        assert.ok(
            !files(joiner)
                .map(caInstalledPath)
                .some((p) => p.includes("/server/tls/")),
            "joining servers get CAs from the cluster",
        );
        assert.ok(
            !files(cloudConfig(renderUserData(agent, secrets)))
                .map(caInstalledPath)
                .some((p) => p.includes("/tls/")),
        );
    });

    it("installs the pinned k3s release: checksum-verified binary (with retries) and the pinned install script", () => {
        const doc = cloudConfig(renderUserData(agent, secrets));
        assert.equal(doc.runcmd[0], "set -eu", "runcmd stops at the first failing step");
        const install: string = doc.runcmd.at(-1)[2];
        assert.match(install, /^set -eu\n/);
        assert.ok(install.includes(`https://raw.githubusercontent.com/k3s-io/k3s/${INSTALL_SCRIPT_COMMIT}/install.sh`));
        assert.ok(install.includes(`echo '${INSTALL_SCRIPT_SHA256}  /run/k3s-install/install.sh' | sha256sum -c -`));
        assert.ok(install.includes("'https://github.com/k3s-io/k3s/releases/download/v1.35.6%2Bk3s1/k3s'"));
        assert.match(install, /curl -fsSL [^\n]*--retry 10 --retry-all-errors [^\n]*\/k3s'\n/, "the binary download retries too");
        assert.match(install, /grep -E '\[\[:space:\]\]k3s\$' sha256sum-amd64\.txt \| sha256sum -c -/);
        assert.ok(
            install.includes(
                "INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.35.6+k3s1' INSTALL_K3S_EXEC=agent sh /run/k3s-install/install.sh",
            ),
        );
        assert.ok(!/sleep \d/.test(renderUserData(server, secrets)), "no fixed sleeps");
    });

    it("k3sInstall: mirror fetches all three files from the mirror and checks its install.sh pin", () => {
        const sha = "a".repeat(64);
        const doc = cloudConfig(
            renderUserData(
                { ...agent, k3sInstall: { mode: "mirror", url: "https://mirror.example.org/k3s/", installScriptSha256: sha } },
                secrets,
            ),
        );
        const install: string = doc.runcmd.at(-1)[2];
        for (const file of ["install.sh", "sha256sum-amd64.txt", "k3s"])
            assert.ok(install.includes(`'https://mirror.example.org/k3s/v1.35.6%2Bk3s1/${file}'`), file);
        assert.ok(!install.includes("github"), "no GitHub egress needed");
        assert.ok(install.includes(`echo '${sha}  /run/k3s-install/install.sh'`));
        assert.equal(
            install.match(/curl /g)?.length,
            install.match(/curl -fsSL --proto =https --proto-redir =https /g)?.length,
            "every fetch is https only, redirects included",
        );
    });

    it("k3sInstall: mirror with a private CA: the CA is written first and every fetch trusts only it", () => {
        const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        const install = installScript(
            { mode: "mirror", url: "https://mirror.example.org/k3s", installScriptSha256: "a".repeat(64), caCert: ca },
            "v1.35.6+k3s1",
            "agent",
        );
        assert.ok(install.includes(`printf '%s\\n' '${ca}' > /run/k3s-install/mirror-ca.pem`), install);
        const fetches = install.split("\n").filter((l) => l.startsWith("curl "));
        assert.ok(fetches.length >= 2 && fetches.every((l) => l.includes("--cacert '/run/k3s-install/mirror-ca.pem'")), fetches.join("\n"));
        assert.ok(install.indexOf("mirror-ca.pem' -o") > install.indexOf("> /run/k3s-install/mirror-ca.pem"), "written before use");
    });

    it(
        "a release with a checksum recorded in the repository is checked against it only: " +
            "no checksum file is fetched from the download source",
        () => {
            const recorded = Object.entries(K3S_RELEASES).find(([, r]) => r.sha256)!;
            const withSum = installScript(
                { mode: "mirror", url: "https://mirror.example.org/k3s", installScriptSha256: "b".repeat(64) },
                recorded[0],
                "agent",
            );
            assert.ok(!withSum.includes("sha256sum-amd64.txt"), "the mirror's checksum file is never fetched");
            assert.ok(withSum.includes(`echo '${recorded[1].sha256}  /run/k3s-install/k3s' | sha256sum -c -`));
            assert.ok(withSum.indexOf("sha256sum -c -") < withSum.indexOf("install -m 0755"), "checked before it is installed");
            const unrecorded = Object.entries(K3S_RELEASES).find(([, r]) => !r.sha256)!;
            assert.ok(
                installScript({ mode: "download" }, unrecorded[0], "agent").includes("sha256sum-amd64.txt"),
                "without a recorded one, the release's own file",
            );
        },
    );

    it("k3sInstall: preinstalled downloads nothing and fails loudly on a version mismatch", () => {
        const doc = cloudConfig(renderUserData({ ...agent, k3sInstall: { mode: "preinstalled" } }, secrets));
        const install: string = doc.runcmd.at(-1)[2];
        assert.ok(!install.includes("curl"));
        assert.ok(install.includes("cp /usr/local/share/k3s/install.sh /run/k3s-install/install.sh"));
        assert.match(
            install,
            new RegExp(
                /if \[ "\$have" != 'v1\.35\.6\+k3s1' \]; then echo "k3sInstall=preinstalled: /.source +
                    /\/usr\/local\/bin\/k3s is version \$have, expected v1\.35\.6\+k3s1" >&2; exit 1; fi/.source,
            ),
        );
    });

    it("renders keepalived from a template at every start, so its first start uses the default route's interface", () => {
        const ha: ServerSpec = { ...server, vip: { address: "10.0.0.10", peers: ["10.0.0.12", "10.0.0.13"], priority: 150, routerId: 51 } };
        const doc = cloudConfig(renderUserData(ha, secrets));
        const paths = doc.write_files.map((f: any) => f.path);
        assert.ok(
            !paths.includes("/etc/keepalived/keepalived.conf"),
            "never a config with a placeholder interface where the package looks",
        );
        const dropIn = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/keepalived.service.d/render-interface.conf");
        assert.match(dropIn.content, /ConditionFileNotEmpty=\nConditionFileNotEmpty=\/etc\/keepalived\/keepalived\.conf\.in/);
        assert.match(dropIn.content, /ExecStartPre=\/usr\/local\/sbin\/keepalived-render-conf/);
        const template = doc.write_files.find((f: any) => f.path === "/etc/keepalived/keepalived.conf.in");
        assert.match(template.content, /unicast_peer \{\n {4}10\.0\.0\.12\n {4}10\.0\.0\.13\n {2}\}/);
        assert.ok(doc.packages.includes("keepalived"));
        // One slow /readyz (a loaded API) must not move the VIP: a timeout beyond the interval, three failures in a row.
        const check =
            /vrrp_script k3s_api \{\n {2}script "[^"]+"\n {2}interval (\d+)\n {2}timeout (\d+)\n {2}fall (\d+)\n {2}rise (\d+)\n\}/;
        const [interval, timeout, fall] = (template.content.match(check) ?? []).slice(1).map(Number);
        assert.ok(timeout > interval && fall >= 3, `interval ${interval}, timeout ${timeout}, fall ${fall}`);
        assert.ok(interval * fall <= 8, "an API that answers 503 still loses the VIP within the failover bound");
    });

    it("installs the NFS client on every node and keeps pods away from the metadata service", () => {
        for (const spec of [server, agent]) {
            const doc = cloudConfig(renderUserData(spec, secrets));
            assert.ok(doc.packages.includes("nfs-common"), `${spec.role}: kubelet needs mount.nfs for RWX volumes`);
            const guard = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/pod-metadata-guard.service");
            assert.match(guard.content, /iptables -t raw -I PREROUTING -s 10\.42\.0\.0\/16 -d 169\.254\.169\.254\/32 -j DROP/);
            assert.match(guard.content, /Before=k3s\.service k3s-agent\.service/);
            const enable = doc.runcmd.findIndex(
                (c: string | string[]) => [c].flat().join(" ") === "systemctl enable --now pod-metadata-guard.service",
            );
            const install = doc.runcmd.findIndex((c: string | string[]) => [c].flat().join(" ").includes("INSTALL_K3S_EXEC"));
            assert.ok(enable >= 0 && enable < install, "the guard is up before k3s starts");
        }
    });

    it("finds the NFS volume like Cinder CSI, formats only a readable blank disk (blkid -p exit 2) and exports only when mounted", () => {
        const doc = cloudConfig(renderUserData(server, secrets));
        const script = doc.write_files.find((f: any) => f.path === "/usr/local/sbin/nfs-data").content as string;
        const path = doc.write_files.find((f: any) => f.path === "/etc/systemd/system/nfs-data.path").content as string;
        for (const name of [
            "virtio-0123456789abcdef0123",
            "virtio-0123456789abcdef0123456789",
            "scsi-0QEMU_QEMU_HARDDISK_0123456789abcdef0123",
            "wwn-0x0123456789abcdef0123456789",
        ]) {
            assert.ok(path.includes(`PathExists=/dev/disk/by-id/${name}\n`), name);
            assert.ok(script.includes(`/dev/disk/by-id/${name}`), name);
        }
        assert.match(script, /dd if="\$dev" of=\/dev\/null bs=4096 count=16 iflag=direct/, "an unreadable disk is refused before blkid");
        assert.match(script, /blkid -p "\$dev"/);
        assert.match(
            script,
            /\n {4}2\) echo "nfs-data: \$dev has no filesystem signature; creating ext4"\n {7}mkfs\.ext4 -q -L nfs-data "\$dev" ;;/,
        );
        assert.match(script, /\n {4}\*\) echo "nfs-data: blkid -p \$dev failed \(exit \$rc\); refusing to format" >&2; exit 1 ;;/);
        assert.ok(!/blkid [^|\n]*\|\| *mkfs/.test(script), "never `blkid || mkfs`");
        // Exported to the Node addresses with root squashed (tests/infra/nfsExports.test.ts runs it).
        assert.match(
            script,
            /for ip in \$ips; do line="\$line \$ip\(rw,sync,no_subtree_check,root_squash,anonuid=65534,anongid=65534\)"; done/,
        );
        assert.ok(!script.includes("no_root_squash"));
        const stop = script.slice(script.indexOf("stop() {"), script.indexOf("release_watch() {"));
        assert.ok(
            stop.indexOf("exportfs -ra") < stop.indexOf("systemctl stop nfs-server") &&
                stop.indexOf("systemctl stop nfs-server") < stop.indexOf("umount"),
            "unexport, stop nfs-server, then unmount",
        );
        const tmpfiles = doc.write_files.find((f: any) => f.path === "/etc/tmpfiles.d/nfs-data.conf").content as string;
        assert.match(
            tmpfiles,
            /L\+ \/etc\/exports\.d\/k3s-data\.exports - - - - \/run\/nfs-data\/k3s-data\.exports/,
            "the export is gone after a reboot until the volume is mounted",
        );
        assert.ok(doc.packages.includes("nfs-kernel-server"));
        assert.ok(doc.runcmd.some((c: string[]) => Array.isArray(c) && c.join(" ") === "systemctl enable --now nfs-data.path"));
        assert.match(
            script,
            new RegExp(
                /kubectl wait --for=jsonpath='\{\.metadata\.annotations\.platform\\\.example\\\.org\/nfs-data\}'=release/.source +
                    / "node\/\$node" --timeout=-1s/.source,
            ),
        );
    });
});
