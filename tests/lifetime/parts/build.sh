#!/usr/bin/env bash
# Builds the upstream programs that k3s embeds, from the Go module proxy, into a cache outside
# the repository keyed by version: etcd, etcdctl and etcdutl (go.etcd.io/etcd), kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet and kubectl (k8s.io/kubernetes; k3s embeds
# kubectl too). Each is built from its own module source with its own go.mod/go.sum, as upstream
# builds it; nothing is vendored.
#
# k8s.io/kubernetes and the etcd server are published without the sibling modules their go.mod
# replaces with relative paths (staging/src/k8s.io/* and ../api etc.): those directories are
# filled from the same release's published modules (k8s.io/<name> v0.<minor>.<patch>,
# go.etcd.io/etcd/<name> at the etcd version) before building.
#
# A program already in the unfinished directory ($out.tmp/bin, left by an interrupted build) is
# kept: only the missing ones are built, so a build that ran out of time continues.
#
# Usage: build.sh            prints the directory holding bin/ (building first when not cached)
# Env:   DATA_PLATFORM_LIFETIME_CACHE  cache root (default ~/.cache/data-platform-lifetime)
set -euo pipefail

KUBERNETES_VERSION=v1.35.4 # nearest to the pinned k3s v1.35.6+k3s1 that the proxy serves
ETCD_VERSION=v3.6.17

export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "build.sh: go is not installed (needs Go >= 1.25)" >&2; exit 1; }

root="${DATA_PLATFORM_LIFETIME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/data-platform-lifetime}"
# Bump RECIPE when the way a program is built changes (the cache key is versions + recipe).
RECIPE=1
out="$root/k8s-${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}-r${RECIPE}"
if [ -f "$out/done" ]; then echo "$out"; exit 0; fi

mkdir -p "$root"
exec 9>"$root/.build.lock"
flock 9
if [ -f "$out/done" ]; then echo "$out"; exit 0; fi

work=$(mktemp -d "$root/.src.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)
log() { echo "build.sh: $*" >&2; }

export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
modcache=$(go env GOMODCACHE)
# Prints the module's directory in the module cache, downloading it first.
moddir() { (cd "$work" && go mod download -json "$1@$2") | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }
# Copies a module's source where a go.mod's relative replace directive expects it.
place() { mkdir -p "$(dirname "$2")"; cp -r "$(moddir "$1" "$3")" "$2"; chmod -R u+w "$2"; }

mkdir -p "$out.tmp/bin"
# The programs still to build, among those named.
missing() { local p; for p in "$@"; do [ -x "$out.tmp/bin/$p" ] || echo "$p"; done; }

etcd_missing=$(missing etcd etcdctl etcdutl)
if [ -n "$etcd_missing" ]; then
log "etcd $ETCD_VERSION: fetching sources"
e="$work/etcd"
place go.etcd.io/etcd/server/v3 "$e/server" "$ETCD_VERSION"
place go.etcd.io/etcd/etcdctl/v3 "$e/etcdctl" "$ETCD_VERSION"
place go.etcd.io/etcd/etcdutl/v3 "$e/etcdutl" "$ETCD_VERSION"
place go.etcd.io/etcd/api/v3 "$e/api" "$ETCD_VERSION"
place go.etcd.io/etcd/pkg/v3 "$e/pkg" "$ETCD_VERSION"
place go.etcd.io/etcd/client/v3 "$e/client/v3" "$ETCD_VERSION"
place go.etcd.io/etcd/client/pkg/v3 "$e/client/pkg" "$ETCD_VERSION"
log "etcd $ETCD_VERSION: building $(echo $etcd_missing)"
# etcdutl: offline snapshot restore (what k3s' --cluster-reset-restore-path does in-process).
for p in $etcd_missing; do
  dir=$p; [ "$p" = etcd ] && dir=server
  (cd "$e/$dir" && go build -trimpath -ldflags "-s -w" -o "$out.tmp/bin/$p" .)
done
log "etcd done after $(( $(date +%s) - start )) s"
fi

kube_missing=$(missing kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
if [ -n "$kube_missing" ]; then
log "kubernetes $KUBERNETES_VERSION: fetching sources"
k="$work/kubernetes"
cp -r "$(moddir k8s.io/kubernetes "$KUBERNETES_VERSION")" "$k"
chmod -R u+w "$k"
# The published module's vendor/ lacks the staging symlinks: build in module mode instead.
rm -rf "$k/vendor" "$k/go.work" "$k/go.work.sum"
staging_version="v0.${KUBERNETES_VERSION#v1.}"
for name in $(sed -n 's#^\s*k8s.io/\([a-z0-9-]*\) => ./staging/src/k8s.io/.*#\1#p' "$k/go.mod"); do
  place "k8s.io/$name" "$k/staging/src/k8s.io/$name" "$staging_version"
done
minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
log "kubernetes $KUBERNETES_VERSION: building $(echo $kube_missing)"
(cd "$k" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp/bin/" $(printf './cmd/%s ' $kube_missing))
log "kubernetes done after $(( $(date +%s) - start )) s"
fi

elapsed=$(( $(date +%s) - start ))
{
  echo "kubernetes $KUBERNETES_VERSION"
  echo "etcd $ETCD_VERSION"
  echo "go $(go env GOVERSION)"
} > "$out.tmp/versions.txt"
echo "$(date -u +%FT%TZ) built $(echo $etcd_missing $kube_missing) in $elapsed s (load average at end: $(cut -d' ' -f1-3 /proc/loadavg))" >> "$out.tmp/build-log.txt"
rm -rf "$out" && mv "$out.tmp" "$out"
touch "$out/done"
log "built in $elapsed s: $(ls "$out/bin" | tr '\n' ' ')"
echo "$out"
