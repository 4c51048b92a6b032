/**
 * Finding and preparing a Cinder volume on the node, shared by the NFS data volume (nfsData.ts)
 * and a single server's datastore volume (datastore.ts). Pure rendering.
 */

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

/**
 * Shell that checks the block device in `$dev` and formats it only when it is readable and
 * carries no signature at all (`blkid -p` exit 2); anything else but ext4 stops with an error.
 */
export function ext4OnceShell(who: string, label: string): string {
    return `  # A device that cannot be read must never be mistaken for a blank one.
  if ! dd if="$dev" of=/dev/null bs=4096 count=16 iflag=direct status=none; then
    echo "${who}: $dev cannot be read; refusing to format or mount it" >&2; exit 1
  fi
  rc=0; blkid -p "$dev" >/dev/null 2>&1 || rc=$?
  case $rc in
    0) fstype=$(blkid -p -s TYPE -o value "$dev" || true)
       if [ "$fstype" != ext4 ]; then
         echo "${who}: $dev holds '\${fstype:-a non-filesystem signature}', not ext4; refusing to touch it" >&2; exit 1
       fi ;;
    2) echo "${who}: $dev has no filesystem signature; creating ext4"
       mkfs.ext4 -q -L ${label} "$dev" ;;
    *) echo "${who}: blkid -p $dev failed (exit $rc); refusing to format" >&2; exit 1 ;;
  esac
`;
}
