/**
 * server-0's NFS export lives on a Cinder volume that outlives every VM. On the node:
 *   nfs-data.path     starts nfs-data.service as soon as the volume's device appears (Cinder
 *                     attaches it after the VM boots), under any name Cinder CSI also looks for.
 *   nfs-data.service  start: format only a blank, readable disk, mount it, export it.
 *                     stop:  unexport, stop nfs-server, unmount — before the volume is detached.
 *   nfs-data-release.service  waits for the drain step's release request on this node's
 *                     Node object, stops nfs-data.service and reports back (see lifecycle/).
 * The export file lives in /run, so after any reboot nothing is exported until the volume is
 * mounted again: nfs-server never serves the root disk's empty directory.
 */
import type { WriteFile } from "./writeFile";

export interface NfsSpec {
    readonly volumeId: string;
    readonly exportPath: string;
    readonly clientCidr: string;
}

/** Annotation the drain step sets to `release` and the node answers with `released`. */
export const RELEASE_ANNOTATION = "platform.example.org/nfs-data";
const SCRIPT = "/usr/local/sbin/nfs-data";
const RUN_EXPORTS = "/run/nfs-data/k3s-data.exports";

/**
 * The by-id names a Cinder volume gets, in the order Cinder CSI tries them: virtio-blk (serial =
 * the id's first 20 characters, or all of it), virtio-scsi (QEMU's model prefix), and the WWN
 * (id without dashes) some hypervisors expose.
 */
export function dataDeviceCandidates(volumeId: string): string[] {
    const short = volumeId.slice(0, 20);
    const names = [
        `virtio-${short}`,
        `virtio-${volumeId}`,
        `scsi-0QEMU_QEMU_HARDDISK_${short}`,
        `scsi-0QEMU_QEMU_HARDDISK_${volumeId}`,
        `wwn-0x${volumeId.replace(/-/g, "")}`,
    ];
    return [...new Set(names)].map((n) => `/dev/disk/by-id/${n}`);
}

/** The node-side script: `nfs-data start|stop|release-watch NODE`. */
export function nfsDataScript(nfs: NfsSpec): string {
    const candidates = dataDeviceCandidates(nfs.volumeId).join(" ");
    return `#!/bin/sh
# NFS data volume: find, check, format once, mount, export; and release before detach.
set -eu
export_path=${nfs.exportPath}
device() {
  for c in ${candidates}; do
    if [ -e "$c" ]; then readlink -f "$c"; return 0; fi
  done
  echo "nfs-data: none of the volume's device names exists: ${candidates}" >&2
  return 1
}
start() {
  dev=$(device)
  # A device that cannot be read must never be mistaken for a blank one.
  if ! dd if="$dev" of=/dev/null bs=4096 count=16 iflag=direct status=none; then
    echo "nfs-data: $dev cannot be read; refusing to format or mount it" >&2; exit 1
  fi
  rc=0; blkid -p "$dev" >/dev/null 2>&1 || rc=$?
  case $rc in
    0) fstype=$(blkid -p -s TYPE -o value "$dev" || true)
       if [ "$fstype" != ext4 ]; then
         echo "nfs-data: $dev holds '\${fstype:-a non-filesystem signature}', not ext4; refusing to touch it" >&2; exit 1
       fi ;;
    2) echo "nfs-data: $dev has no filesystem signature; creating ext4"
       mkfs.ext4 -q -L nfs-data "$dev" ;;
    *) echo "nfs-data: blkid -p $dev failed (exit $rc); refusing to format" >&2; exit 1 ;;
  esac
  mkdir -p "$export_path" /run/nfs-data
  mountpoint -q "$export_path" || mount -t ext4 -o defaults,noatime "$dev" "$export_path"
  echo "$export_path ${nfs.clientCidr}(rw,sync,no_subtree_check,no_root_squash)" > ${RUN_EXPORTS}
  systemctl start nfs-server.service
  exportfs -ra
}
stop() {
  rm -f ${RUN_EXPORTS}
  exportfs -ra || true
  # nfsd holds the filesystem until it stops; clients retry (hard mounts) until it is back.
  systemctl stop nfs-server.service
  if mountpoint -q "$export_path"; then umount "$export_path"; fi
  sync
}
release_watch() {
  node=$1
  kubectl() { /usr/local/bin/k3s kubectl --kubeconfig /etc/rancher/k3s/k3s.yaml "$@"; }
  kubectl wait --for=jsonpath='{.metadata.annotations.${RELEASE_ANNOTATION.replace(/\./g, "\\.")}}'=release "node/$node" --timeout=-1s
  systemctl stop nfs-data.service
  kubectl annotate --overwrite "node/$node" ${RELEASE_ANNOTATION}=released
}
case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  release-watch) release_watch "$2" ;;
  *) echo "usage: nfs-data start|stop|release-watch NODE" >&2; exit 2 ;;
esac
`;
}

export function nfsDataFiles(nfs: NfsSpec, nodeName: string): WriteFile[] {
    return [
        { path: SCRIPT, permissions: "0755", content: nfsDataScript(nfs) },
        // nfs-utils reads /etc/exports.d only; the link points into /run (gone after a reboot).
        {
            path: "/etc/tmpfiles.d/nfs-data.conf",
            permissions: "0644",
            content: `d /run/nfs-data 0755 root root -\nf ${RUN_EXPORTS} 0644 root root -\nL+ /etc/exports.d/k3s-data.exports - - - - ${RUN_EXPORTS}\n`,
        },
        {
            path: "/etc/systemd/system/nfs-data.path",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=Wait for the NFS data volume to be attached",
                "[Path]",
                ...dataDeviceCandidates(nfs.volumeId).map((c) => `PathExists=${c}`),
                "Unit=nfs-data.service",
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        },
        {
            path: "/etc/systemd/system/nfs-data.service",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=NFS data volume: format once, mount and export (stop: unexport and unmount)",
                "After=local-fs.target network-online.target",
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                `ExecStart=${SCRIPT} start`,
                `ExecStop=${SCRIPT} stop`,
                "",
            ].join("\n"),
        },
        {
            path: "/etc/systemd/system/nfs-data-release.service",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=Release the NFS data volume when the drain before this VM's replacement asks",
                "After=k3s.service nfs-data.service",
                "[Service]",
                `ExecStart=${SCRIPT} release-watch ${nodeName}`,
                // The API may not answer yet (or a watch ends): try again, never busy-loop.
                "Restart=on-failure",
                "RestartSec=15",
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        },
    ];
}
