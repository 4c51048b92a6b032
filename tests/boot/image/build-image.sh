#!/usr/bin/env bash
# Builds the boot-test VM image from Debian packages into OUT_DIR (must not exist yet):
#   vmlinuz, initrd.img  (direct kernel boot)   root.img  (ext4, made by mkfs.ext4 -d, no loop mount)
#   root.uuid            (the kernel's root=UUID=…: with several virtio disks the order is not fixed)
# Usage: build-image.sh OUT_DIR   (root: debootstrap and chroot need it)
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
[ ! -e "$out" ] || { echo "build-image.sh: $out exists" >&2; exit 1; }
work=$(mktemp -d "${out%/}.work.XXXXXX")
root=$work/root
cleanup() {
  for m in dev/pts dev proc sys; do if mountpoint -q "$root/$m" 2>/dev/null; then umount -l "$root/$m"; fi; done
  rm -rf "$work"
}
trap cleanup EXIT

# The Debian mirror this machine's apt already uses (no host named here).
mirror=${DEBIAN_MIRROR:-$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^ ]+' | head -n1 || true)}
[ -n "$mirror" ] || { echo "build-image.sh: no Debian mirror found in /etc/apt (set DEBIAN_MIRROR)" >&2; exit 1; }
mapfile -t packages < <(grep -vE '^\s*(#|$)' "$here/packages.txt")

echo "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
# Nothing starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"
echo "apt-get install ${#packages[@]} packages in the chroot"
chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"' sh "${packages[@]}" >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; exit 1; }
rm -f "$root/usr/sbin/policy-rc.d"

uuid=$(cat /proc/sys/kernel/random/uuid)
echo "UUID=$uuid / ext4 defaults,errors=remount-ro 0 1" >"$root/etc/fstab"
echo "localhost" >"$root/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
# The VMs reach no Debian mirror: the packages the user-data asks for are baked in above, and
# cloud-init's package step runs against an empty source list (a no-op that still must succeed).
rm -f "$root/etc/apt/sources.list" "$root/etc/apt/sources.list.d/"*
rm -rf "$root/var/lib/apt/lists/"*
cat >"$root/etc/cloud/cloud.cfg.d/90-boot-test.cfg" <<'CFG'
# Boot-test image: user-data arrives on a Nova config drive (label config-2), as on OpenStack
# with force_config_drive; no network metadata service is probed.
datasource_list: [ ConfigDrive ]
apt:
  preserve_sources_list: true
# minbase has no locale data: keep the built-in C.UTF-8 (cloud-init's default en_US.UTF-8 fails).
locale: C.UTF-8
# One host key type: RSA key generation alone costs half a minute of emulated CPU per boot.
ssh_genkeytypes: [ ed25519 ]
CFG
# The in-VM side of the test's control channel (virtio-serial port boot-test.agent).
install -m 0755 "$here/boot-test-agent.py" "$root/usr/local/sbin/boot-test-agent"
cat >"$root/etc/systemd/system/boot-test-agent.service" <<'UNIT'
[Unit]
Description=Boot-test control channel (runs commands the test host sends; test image only)
DefaultDependencies=no
After=local-fs.target dev-virtio\x2dports-boot\x2dtest.agent.device
BindsTo=dev-virtio\x2dports-boot\x2dtest.agent.device
[Service]
ExecStart=/usr/local/sbin/boot-test-agent /dev/virtio-ports/boot-test.agent
Restart=always
RestartSec=1
[Install]
WantedBy=sysinit.target
UNIT
chroot "$root" systemctl enable boot-test-agent.service >/dev/null 2>&1
# No console login needed; the serial console carries kernel, systemd and cloud-init output.
chroot "$root" systemctl mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
# e2fsprogs' scrub of LVM snapshots (none here) costs minutes of emulated CPU at every boot.
chroot "$root" systemctl mask e2scrub_reap.service e2scrub_all.timer >/dev/null 2>&1
passwd -R "$root" -l root >/dev/null

mkdir -p "$work/out"
cp -L "$root/vmlinuz" "$work/out/vmlinuz"
cp -L "$root/initrd.img" "$work/out/initrd.img"
rm -rf "$root/var/cache/apt/archives/"*.deb
echo "$uuid" >"$work/out/root.uuid"
echo "mkfs.ext4 -d (root disk)"
for m in dev/pts dev proc sys; do umount -l "$root/$m"; done
mkfs.ext4 -q -F -L boot-test-root -U "$uuid" -d "$root" "$work/out/root.img" 3G
mv "$work/out" "$out"
echo "image ready: $out"
