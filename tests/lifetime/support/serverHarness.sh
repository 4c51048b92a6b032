#!/bin/bash
# HOST TEST HARNESS (tests/lifetime/wrapperReset.services.ts): sources the lifetime wrapper's pki.sh
# and server.sh as its k3s script does, with real etcd from the parts cache and every path under
# WORK, and prints one `STEP <name> <result>` line per step.
# Usage: serverHarness.sh WRAPPER_DIR PARTS_DIR WORK_DIR
set -euo pipefail
W=$1; BIN=$2/bin; LIB=$W; WORK=$3; DATA=$WORK/data; TLS=$DATA/server/tls; DB=$DATA/server/db/etcd
die() { echo "k3s: $*" >&2; exit 1; }
log() { echo "k3s: $*" >&2; }
PART_LOGS=$WORK
# shellcheck source=/dev/null
. "$W/processes.sh"
trap cleanup EXIT
mkdir -p "$TLS/etcd"
for ca in server-ca client-ca request-header-ca etcd/server-ca etcd/peer-ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -keyout "$TLS/$ca.key" -out "$TLS/$ca.crt" -subj "/CN=${ca//\//-}" 2>/dev/null
done
openssl genrsa -out "$TLS/service.key" 2048 2>/dev/null
echo '{"key":"the cluster'"'"'s"}' >"$TLS/encryption-config.json"
. "$W/pki.sh"; . "$W/server.sh"
server_certs "$TLS" node-a 127.0.0.1 ""
node_ip=127.0.0.1; node_name=node-a; server_url=""; s3=""; token_secret=token-1
member=node-a-0001; initial_cluster="$member=https://127.0.0.1:2380"
mkdir -p "$DB"; start_etcd new; wait_etcd; echo "$member" >"$DB/name"
reconcile_bootstrap_data && echo "STEP saved"
etcdctl_local --endpoints=https://127.0.0.1:2379 snapshot save "$WORK/snap.db" >/dev/null 2>&1
cleanup
echo '{"key":"generated on the new VM"}' >"$TLS/encryption-config.json"
rm -rf "$DB"
restore_path=$WORK/snap.db
rc=0; (token_secret=token-2 cluster_reset) 2>>"$WORK/reset-other.log" || rc=$?; echo "STEP reset-other-token $rc"
rc=0; (cluster_reset) || rc=$?; echo "STEP reset $rc"
echo "STEP encryption-config $(cat "$TLS/encryption-config.json")"
member=$(cat "$DB/name"); initial_cluster="$member=https://127.0.0.1:2380"
start_etcd existing; wait_etcd
rc=0; (token_secret=token-2 reconcile_bootstrap_data) 2>>"$WORK/restart-other.log" || rc=$?; echo "STEP restart-other-token $rc"
rc=0; (reconcile_bootstrap_data) || rc=$?; echo "STEP restart $rc"
