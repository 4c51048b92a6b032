#!/bin/bash
# etcd snapshots of "k3s made of upstream parts", as k3s names and keeps them:
#   snapshot.sh schedule              take one at every minute matching etcd-snapshot-schedule-cron
#   snapshot.sh save [NAME]           etcd-snapshot-<node>-<unix time> in server/db/snapshots,
#                                     uploaded to S3 when etcd-s3 is set; retention applied
#   snapshot.sh ls                    local snapshots, then the S3 folder's
#   snapshot.sh download NAME FILE    fetch one from S3 (the restore path of --cluster-reset)
# S3 requests: s3.sh.
set -euo pipefail
PARTS=/opt/k3s-parts
BIN=$PARTS/bin
LIB=$PARTS/lib
DATA=/var/lib/rancher/k3s
TLS=$DATA/server/tls
DIR=$DATA/server/db/snapshots
eval "$(python3 "$LIB/config.py" /etc/rancher/k3s/config.yaml)"
[ -n "$node_name" ] || node_name=$(hostname)

. "$LIB/s3.sh"

save() {
  mkdir -p "$DIR"
  local name=${1:-etcd-snapshot-$node_name-$(date +%s)}
  "$BIN/etcdctl" --endpoints=https://127.0.0.1:2379 --cacert="$TLS/etcd/server-ca.crt" \
    --cert="$TLS/etcd/client.crt" --key="$TLS/etcd/client.key" snapshot save "$DIR/$name" >/dev/null
  echo "snapshot $name saved"
  if [ -n "$s3" ]; then
    if s3 -T "$DIR/$name" "$(s3_url "$name")" >/dev/null; then echo "snapshot $name uploaded to $(s3_url)"
    else echo "snapshot $name: the upload to $(s3_url) failed" >&2; fi
  fi
  # Retention counts this node's snapshots, newest kept (k3s: etcd-snapshot-retention).
  ls -1t "$DIR"/etcd-snapshot-"$node_name"-* 2>/dev/null | tail -n +"$((snapshot_retention + 1))" | xargs -r rm -f
}

# Minute-resolution cron match (fields: minute hour day-of-month month day-of-week).
cron_due() {
  python3 - "$snapshot_cron" <<'PY'
import sys, time
fields = sys.argv[1].split()
now = time.localtime()
values = [now.tm_min, now.tm_hour, now.tm_mday, now.tm_mon, (now.tm_wday + 1) % 7]
def match(field, value):
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/"); step = int(s)
        if part == "*":
            lo, hi = 0, 59
        elif "-" in part:
            lo, hi = map(int, part.split("-"))
        else:
            lo = hi = int(part)
            if step > 1: hi = 59
        if lo <= value <= hi and (value - lo) % step == 0:
            return True
    return False
sys.exit(0 if all(match(f, v) for f, v in zip(fields, values)) else 1)
PY
}

case "${1:-}" in
  schedule)
    last=""
    while :; do
      minute=$(date +%Y%m%d%H%M)
      if [ "$minute" != "$last" ] && cron_due; then
        last=$minute
        save || echo "snapshot failed" >&2
      fi
      sleep 10
    done ;;
  save) shift; save "$@" ;;
  ls)
    ls -1 "$DIR" 2>/dev/null || true
    if [ -n "$s3" ]; then s3_list | sed 's#^#s3: #'; fi ;;
  download)
    [ -n "$s3" ] || { echo "etcd-s3 is not set" >&2; exit 1; }
    s3 -o "$3" "$(s3_url "${2##*/}")" ;;
  *) echo "usage: k3s etcd-snapshot {save [NAME]|ls|download NAME FILE|schedule}" >&2; exit 1 ;;
esac
