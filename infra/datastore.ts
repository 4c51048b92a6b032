/**
 * A single server's datastore on a Cinder volume that outlives every VM: k3s' whole server
 * directory (`/var/lib/rancher/k3s/server`: etcd, its snapshots, tokens, certificates) is
 * mounted from it, so a replaced only server restarts the same etcd member instead of starting
 * an empty control plane. The port, and so the etcd peer URL, is stable; k3s reuses a member
 * from the data directory only when that URL is unchanged. Pure rendering.
 *
 *   k3s-datastore start  (cloud-init, before k3s is installed) waits for the attached volume,
 *                        formats it only when blank (the checks of nfsData.ts), mounts it and
 *                        writes a mount unit that k3s.service requires from then on (reboots).
 *   k3s-datastore stop   unmounts it; the release before detach runs it after stopping k3s.
 */
import type { WriteFile } from "./writeFile";
import { dataDeviceCandidates, ext4OnceShell } from "./volumeDevice";

export const DATASTORE_PATH = "/var/lib/rancher/k3s/server";
/** k3s' certificates; where it looks for pre-existing CAs before its first start (servers only). */
export const K3S_TLS_DIR = `${DATASTORE_PATH}/tls`;
export const DATASTORE_SCRIPT = "/usr/local/sbin/k3s-datastore";
/** systemd's name for the mount unit of DATASTORE_PATH. */
export const DATASTORE_MOUNT_UNIT = "var-lib-rancher-k3s-server.mount";
/** How long the first boot waits for Cinder to attach the volume. */
export const ATTACH_DEADLINE_SECONDS = 900;
/** etcd's default quota is 2 GiB; snapshots (`etcdSnapshotRetention`) live beside it. */
export const DATASTORE_VOLUME_GB = 10;

/** The mount unit the script writes, as printf's format (`\n` for printf; `%s`: the UUID, the mount point). */
const MOUNT_UNIT_FORMAT = [
    "[Unit]",
    "Description=k3s server datastore (Cinder volume)",
    "Before=k3s.service",
    "[Mount]",
    "What=/dev/disk/by-uuid/%s",
    "Where=%s",
    "Type=ext4",
    "Options=defaults,noatime",
    "TimeoutSec=300",
    "",
].join("\\n");

export interface DatastoreSpec {
    readonly volumeId: string;
}

export function datastoreScript(spec: DatastoreSpec): string {
    const candidates = dataDeviceCandidates(spec.volumeId).join(" ");
    return `#!/bin/sh
# k3s server datastore volume: wait for it, check, format once, mount (start); unmount (stop).
set -eu
mnt=${DATASTORE_PATH}
unit=/etc/systemd/system/${DATASTORE_MOUNT_UNIT}
find_device() {
  for c in ${candidates}; do
    if [ -e "$c" ]; then readlink -f "$c"; return 0; fi
  done
  return 1
}
start() {
  # Cinder attaches the volume after the VM booted: wait for udev to show it, up to a deadline.
  deadline=$(( $(date +%s) + ${ATTACH_DEADLINE_SECONDS} ))
  until dev=$(find_device); do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "k3s-datastore: the volume did not appear within ${ATTACH_DEADLINE_SECONDS} s under any of: ${candidates}" >&2; exit 1
    fi
    udevadm settle --timeout=5 || true
    find_device >/dev/null || sleep 1
  done
${ext4OnceShell("k3s-datastore", "k3s-datastore")}  uuid=$(blkid -p -s UUID -o value "$dev")
  mkdir -p "$mnt"
  printf '${MOUNT_UNIT_FORMAT}' "$uuid" "$mnt" > "$unit.new"
  mv "$unit.new" "$unit"
  systemctl daemon-reload
  systemctl start ${DATASTORE_MOUNT_UNIT}
  mountpoint -q "$mnt"
}
stop() {
  if mountpoint -q "$mnt"; then umount "$mnt"; fi
  sync
}
case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: k3s-datastore start|stop" >&2; exit 2 ;;
esac
`;
}

export function datastoreFiles(spec: DatastoreSpec): WriteFile[] {
    return [
        { path: DATASTORE_SCRIPT, permissions: "0755", content: datastoreScript(spec) },
        {
            // k3s never starts on the root disk's empty directory: after a reboot it waits for the mount.
            path: "/etc/systemd/system/k3s.service.d/datastore.conf",
            permissions: "0644",
            content: `[Unit]\nRequiresMountsFor=${DATASTORE_PATH}\n`,
        },
    ];
}
