#!/usr/bin/env bash
# Assembles the PARTS DISK of "k3s made of upstream parts": what k3s carries inside its own
# binary and unpacks on a node, given to each lifetime VM as a read-only disk (virtio serial
# k3s-parts) that the wrapper mounts at /opt/k3s-parts:
#   bin/      etcd, etcdctl, etcdutl, kube-apiserver, kube-controller-manager, kube-scheduler,
#             kubelet, kubectl (build.sh)
#   lib/      the wrapper's helpers (wrapper/: config, certificates, server, node, supervisor,
#             snapshots)
#   usr/      Debian bookworm's containerd, runc and CNI plugins (k3s bundles its own builds)
#   images/   the one locally built image (pause/: sandbox and workload), as k3s air-gap images
# Cached beside the programs, keyed by their directory and a hash of these inputs.
# Usage: disk.sh    prints the disk image's path
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
parts=$("$here/build.sh")
debs=(containerd runc containernetworking-plugins)
# The Debian versions the disk holds (the key changes when Debian's candidates do).
versions=$(apt-cache policy "${debs[@]}" | awk '/^[a-z]/{p=$1} /Candidate:/{print p $2}' | tr '\n' ' ')
# Files only (a Python byte-code cache beside the helpers is neither hashed nor copied).
inputs=$(find "$here/wrapper" "$here/pause" -maxdepth 1 -type f ! -name '*.pyc' | sort)
key=$( { cat $inputs "$here/disk.sh"; echo "$versions"; } | sha256sum | cut -c1-12)
disk="$parts/parts-$key.img"
if [ -f "$disk" ]; then echo "$disk"; exit 0; fi

work=$(mktemp -d "$parts/.disk.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/lib" "$root/images"
cp "$parts"/bin/* "$root/bin/"
install -m 0755 $(find "$here/wrapper" -maxdepth 1 -type f | sort) "$root/lib/"
{ cat "$parts/versions.txt"; echo "debian $versions"; } >"$root/versions.txt"

# Debian's containerd, runc and CNI plugins, unpacked (their libraries are in the base image).
(cd "$work" && apt-get download -qq "${debs[@]}" >/dev/null 2>&1) ||
  { apt-get update -qq && (cd "$work" && apt-get download -qq "${debs[@]}" >/dev/null); }
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$root"; done
rm -rf "$root/usr/share"

# The local image: one static program, two names (sandbox and workload), docker-archive format.
(cd "$here/pause" && PATH="/usr/local/go/bin:$PATH" CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off \
  go build -trimpath -ldflags "-s -w" -o "$work/pause" .)
python3 - "$work/pause" "$root/images/local.tar" <<'PY'
import hashlib, io, json, sys, tarfile
binary, out = sys.argv[1], sys.argv[2]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    info = tarfile.TarInfo("pause"); info.mode = 0o755; data = open(binary, "rb").read(); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
layer_bytes = layer.getvalue()
diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "config": {"Entrypoint": ["/pause"], "User": "65535:65535"},
                     "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": config_name, "Layers": ["layer.tar"],
                        "RepoTags": ["docker.io/k3s-parts/pause:local", "docker.io/lifetime/workload:local"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, data in (("layer.tar", layer_bytes), (config_name, config), ("manifest.json", manifest)):
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
PY

size_mib=$(( $(du -sm "$root" | cut -f1) + 128 ))
mkfs.ext4 -q -F -L k3s-parts -d "$root" "$work/parts.img" "${size_mib}M"
mv "$work/parts.img" "$disk"
echo "$disk"
