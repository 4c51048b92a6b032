/**
 * Boots the dev stack's nodes (server-0 with its NFS data volume, one agent) from their rendered
 * user-data, then replaces server-0 the way `pulumi up` does (release, power off, a new VM with
 * the same volume), and checks what an operator relies on, from inside the VMs.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { defaultPoolCount, renderCluster, stackK3sVersion, BootCluster, BootNode } from "./support/cluster";
import { assertCloudInitClean, assertMetadataGuard, assertRenderedFilesOnDisk, nfsDataActive } from "./support/checks";
import { blankDisk, bootBase, BootRun, reportBootFailures, requirePrerequisites } from "./support/suite";
import type { DataDisk, Vm } from "./support/vm";

const STACK = "dev-infra";
/** A Cinder volume id; Nova gives the disk its first 20 characters as serial. */
const VOLUME_ID = "3f2c8a1e-7b4d-4e6f-9a0b-5c1d2e3f4a5b";
const SERIAL = VOLUME_ID.slice(0, 20);
/** The only server's datastore volume (k3s' server directory). */
const DATASTORE_VOLUME_ID = "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a";
const DATASTORE_SERIAL = DATASTORE_VOLUME_ID.slice(0, 20);

describe(`boot: ${STACK} (server-0 with the NFS volume + one agent)`, function () {
    this.timeout(40 * 60_000);
    let run: BootRun;
    let cluster: BootCluster;
    let serverNode: BootNode;
    let agentNode: BootNode;
    let server: Vm;
    let agent: Vm;
    let disk: string;
    let datastoreDisk: string;

    before(async function () {
        requirePrerequisites(this);
        await bootBase();
        run = new BootRun("dev", stackK3sVersion(STACK));
        await run.start();
        cluster = renderCluster(
            STACK,
            { ...run.mirrorOverrides(), ...defaultPoolCount(STACK, 1) },
            { cidr: "10.0.0.0/24", servers: ["10.0.0.11"], agents: ["10.0.0.21"] },
            VOLUME_ID,
            DATASTORE_VOLUME_ID,
        );
        serverNode = cluster.nodes.find((n) => n.key === "server-0")!;
        agentNode = cluster.nodes.find((n) => n.key === "agent-0")!;
        disk = blankDisk(run.dir, "nfs-volume");
        datastoreDisk = blankDisk(run.dir, "datastore-volume");
        [server, agent] = await Promise.all([
            run.boot(cluster, serverNode, {
                dataDisks: [
                    { file: disk, serial: SERIAL, bus: "virtio" },
                    { file: datastoreDisk, serial: DATASTORE_SERIAL, bus: "virtio" },
                ],
            }),
            run.boot(cluster, agentNode),
        ]);
    });
    reportBootFailures(() => run);

    it("both nodes finish cloud-init from the config drive with no errors", async () => {
        const [s, a] = await Promise.all([run.cloudInitDone(server, serverNode), run.cloudInitDone(agent, agentNode)]);
        assertCloudInitClean("server-0", s);
        assertCloudInitClean("agent-0", a);
    });

    it("installs k3s from the mirror (k3sInstall: mirror), checksum-verified, at the pinned version", async () => {
        const version = cluster.config.k3sVersion;
        for (const file of ["install.sh", "sha256sum-amd64.txt", "k3s"]) {
            assert.equal(run.mirror.requests.filter((r) => r === `/k3s/${version}/${file}`).length, 2, `both nodes fetched ${file}`);
        }
        for (const [vm, unit] of [
            [server, "k3s.service"],
            [agent, "k3s-agent.service"],
        ] as const) {
            assert.match(await vm.sh("/usr/local/bin/k3s --version"), new RegExp(`^k3s version ${version.replace("+", "\\+")} `));
            assert.equal((await vm.sh(`systemctl is-active ${unit}`)).trim(), "active");
        }
        assert.equal(
            (
                await server.sh("/usr/local/bin/k3s-api-ready 2>/dev/null; echo $?; /usr/local/bin/k3s kubectl get --raw=/readyz; echo $?")
            ).split("\n")[1],
            "0",
        );
    });

    it("writes the k3s config and CA files byte for byte as rendered, keys and config 0600", async () => {
        // Whatever the render writes (config, and on the initialising server its CA files).
        assert.ok((await assertRenderedFilesOnDisk(server, serverNode)) > 1, "server-0 initialises the cluster: config + CA files");
        assert.equal(await assertRenderedFilesOnDisk(agent, agentNode), 1);
    });

    it("formats the blank data volume (virtio-blk, serial = volume id[:20]) once, mounts and exports /srv/nfs", async () => {
        await nfsDataActive(server);
        assert.match(await server.sh(`readlink -f /dev/disk/by-id/virtio-${SERIAL}`), /^\/dev\/vd[a-z]/);
        assert.equal((await server.sh("findmnt -n -o FSTYPE /srv/nfs")).trim(), "ext4");
        assert.match(await server.sh("journalctl -b -u nfs-data.service"), /no filesystem signature; creating ext4/);
        // Nothing is exported until the node list answers; then exactly the nodes, root squashed.
        assert.doesNotMatch(await server.sh("exportfs -v"), /\/srv\/nfs/);
        await server.sh(
            "mkdir -p /run/k3s-stand-in && printf '10.0.0.11\\n10.0.0.21\\n' > " +
                "/run/k3s-stand-in/nodes && /usr/local/sbin/nfs-data exports-refresh",
        );
        const exported = await server.sh("exportfs -v");
        assert.match(exported, /\/srv\/nfs\s+10\.0\.0\.11\(/);
        assert.match(exported, /\/srv\/nfs\s+10\.0\.0\.21\([^)]*root_squash/);
        assert.doesNotMatch(exported, /10\.0\.0\.0\/24|no_root_squash/);
    });

    it("the agent mounts the export (NFS client from the render) and its writes land on the volume", async () => {
        const token = randomBytes(8).toString("hex");
        await agent.sh(
            `mkdir -p /mnt/rwx && mount -t nfs -o vers=4.2 10.0.0.11:/srv/nfs ` +
                `/mnt/rwx && echo ${token} > /mnt/rwx/from-agent && umount /mnt/rwx`,
            180,
        );
        assert.equal((await server.sh("cat /srv/nfs/from-agent")).trim(), token);
        // root on the agent wrote as nobody (the CSI NFS driver writes the same way).
        assert.equal((await server.sh("stat -c %u:%g /srv/nfs/from-agent")).trim(), "65534:65534");
    });

    it("drops pod-network traffic to the metadata service (169.254.169.254) and only that", async () => {
        await assertMetadataGuard(agent);
    });

    let marker = "";
    it("releases the volume before detach: unexports, stops nfs-server, unmounts", async () => {
        marker = randomBytes(16).toString("hex");
        await server.sh(`echo ${marker} > /srv/nfs/marker && sync`);
        const fsUuid = (await server.sh(`blkid -p -s UUID -o value /dev/disk/by-id/virtio-${SERIAL}`)).trim();
        await server.sh("systemctl stop nfs-data.service");
        assert.doesNotMatch(await server.sh("exportfs -v"), /\/srv\/nfs/);
        assert.notEqual((await server.exec("mountpoint -q /srv/nfs")).rc, 0, "still mounted");
        assert.equal((await server.exec("systemctl is-active nfs-server.service")).out.trim(), "inactive");
        await server.powerOff();
        replacementUuid = fsUuid;
    });

    let replacementUuid = "";
    let replacement: Vm;
    it("a replacement server-0 (volume now on virtio-scsi) finds the disk and keeps the data: no reformat", async () => {
        const dataDisks: DataDisk[] = [
            { file: disk, serial: SERIAL, bus: "scsi" },
            { file: datastoreDisk, serial: DATASTORE_SERIAL, bus: "scsi" },
        ];
        // A replacement after initialisation: the metadata says join, the datastore is reused.
        replacement = await run.boot(cluster, serverNode, { tag: "replacement", dataDisks, bootstrap: "join" });
        assertCloudInitClean("server-0 replacement", await run.cloudInitDone(replacement, serverNode));
        await nfsDataActive(replacement);
        assert.match(await replacement.sh(`readlink -f /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_${SERIAL}`), /^\/dev\/sd[a-z]/);
        assert.equal((await replacement.sh("cat /srv/nfs/marker")).trim(), marker, "the marker file survived");
        assert.equal(
            (await replacement.sh("blkid -p -s UUID -o value /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_" + SERIAL)).trim(),
            replacementUuid,
            "same filesystem",
        );
        assert.doesNotMatch(await replacement.sh("journalctl -b -u nfs-data.service"), /creating ext4/);
        await replacement.sh(
            "mkdir -p /run/k3s-stand-in && printf '10.0.0.11\\n10.0.0.21\\n' > " +
                "/run/k3s-stand-in/nodes && /usr/local/sbin/nfs-data exports-refresh",
        );
        assert.match(await replacement.sh("exportfs -v"), /\/srv\/nfs\s+10\.0\.0\.21\(/);
    });

    it("refuses a data volume that cannot be read instead of formatting it", async () => {
        const dev = (await replacement.sh(`readlink -f /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_${SERIAL}`)).trim();
        const name = dev.replace("/dev/", "");
        await replacement.sh("systemctl stop nfs-data.service");
        await replacement.sh(`echo offline > /sys/block/${name}/device/state`);
        // What the old `blkid DEV || mkfs` saw: blkid fails on the unreadable disk.
        assert.notEqual((await replacement.exec(`blkid -p ${dev}`)).rc, 0);
        const start = await replacement.exec("systemctl start nfs-data.service");
        assert.notEqual(start.rc, 0, "nfs-data must fail on an unreadable disk");
        assert.match(await replacement.sh("journalctl -b -u nfs-data.service"), /cannot be read; refusing to format/);
        await replacement.sh(`echo running > /sys/block/${name}/device/state`);
        assert.equal((await replacement.sh(`blkid -p -s UUID -o value ${dev}`)).trim(), replacementUuid, "the filesystem is untouched");
    });
});
