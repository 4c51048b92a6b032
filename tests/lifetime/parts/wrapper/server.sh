# The server half of "k3s made of upstream parts" (sourced by its k3s script): etcd membership
# as k3s decides it, then kube-apiserver, kube-controller-manager, kube-scheduler, the
# supervisor, snapshots and the node's own kubelet.

etcdctl_local() {
  "$BIN/etcdctl" --cacert="$TLS/etcd/server-ca.crt" --cert="$TLS/etcd/client.crt" --key="$TLS/etcd/client.key" "$@"
}

# bootstrap_data save|load: k3s' bootstrap data in etcd, encrypted with this server's token
# (bootstrapdata.py; exit 3: only another token's data is there, 4: none to load).
bootstrap_data() {
  ETCDCTL="$BIN/etcdctl" ETCDCTL_ENDPOINTS=https://127.0.0.1:2379 ETCDCTL_CACERT="$TLS/etcd/server-ca.crt" \
    ETCDCTL_CERT="$TLS/etcd/client.crt" ETCDCTL_KEY="$TLS/etcd/client.key" K3S_TOKEN_SECRET="$token_secret" \
    python3 "$LIB/bootstrapdata.py" "$1" "$TLS"
}

# k3s reconciles its bootstrap data with the datastore on every start: saved when there is none
# yet; data encrypted with another token (rotated since this server's config was written) stops it.
reconcile_bootstrap_data() {
  local rc attempt
  for attempt in 1 2 3 4 5; do
    rc=0; bootstrap_data save || rc=$?
    [ "$rc" = 1 ] || break
    log "bootstrap data: etcd did not answer (attempt $attempt)"; sleep 3
  done
  [ "$rc" = 0 ] || die "the datastore's bootstrap data is encrypted with another token: start with the cluster's current token (k3s token rotate)"
}

# k3s generates the CAs when cluster-init finds none; the rendered first server brings its own.
ensure_cas() {
  mkdir -p "$TLS/etcd"
  local ca
  for ca in server-ca client-ca request-header-ca etcd/server-ca etcd/peer-ca; do
    [ -s "$TLS/$ca.crt" ] && continue
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS/$ca.key" \
      -out "$TLS/$ca.crt" -days 3650 -subj "/CN=k3s-${ca//\//-}" 2>/dev/null
  done
  [ -s "$TLS/service.key" ] || openssl genrsa -out "$TLS/service.key" 2048 2>/dev/null
}

ensure_encryption_config() {
  [ -s "$TLS/encryption-config.json" ] && return 0
  umask 077
  cat >"$TLS/encryption-config.json" <<EOF
{"kind":"EncryptionConfiguration","apiVersion":"apiserver.config.k8s.io/v1","resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[{"name":"aescbckey","secret":"$(head -c32 /dev/urandom | base64 -w0)"}]}},{"identity":{}}]}]}
EOF
}

supervisor_url() {
  local host=${server_url#https://}
  host=${host%%/*}
  echo "https://${host%:*}:9345"
}

# k3s' join: fetch /cacerts without trust, compare its hash with the token's, then fetch the
# bootstrap data with the token (trusting only that CA from then on).
fetch_cacerts() {
  local url out=$1
  url=$(supervisor_url)
  curl -sSkf --max-time 20 "$url/cacerts" -o "$out" || return 1
  if [ -n "$token_hash" ]; then
    local got
    got=$(sha256sum "$out" | cut -d' ' -f1)
    [ "$got" = "$token_hash" ] || die "token CA hash mismatch: $url/cacerts hashes to $got, the token says $token_hash"
  fi
}

join_bootstrap() {
  local url err
  url=$(supervisor_url)
  # curl's own error (a timeout, the HTTP status) goes into the waiting line: a join that waits
  # for an hour must say what it waits for.
  until err="the CA bundle" && fetch_cacerts "$DATA/join-ca.crt" &&
    err=$(curl -sSf --max-time 30 --cacert "$DATA/join-ca.crt" -u "server:$token_secret" \
      "$url/v1-k3s/server-bootstrap" -o "$DATA/bootstrap.json" 2>&1); do
    log "waiting for $url to serve the bootstrap data: $err"
    sleep 5
  done
  python3 - "$DATA/bootstrap.json" "$TLS" <<'PY'
import base64, json, os, sys
files = json.load(open(sys.argv[1]))
for name, content in files.items():
    path = os.path.join(sys.argv[2], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(base64.b64decode(content))
PY
  rm -f "$DATA/bootstrap.json"
}

join_etcd() {
  local url code answer request
  url=$(supervisor_url)
  answer=$(mktemp)
  request="{\"name\":\"$member\",\"nodeName\":\"$node_name\",\"peerURL\":\"https://$node_ip:2380\"}"
  while :; do
    : >"$answer"
    code=$(curl -sS --max-time 90 --cacert "$TLS/server-ca.crt" -u "server:$token_secret" -H 'Content-Type: application/json' \
      -d "$request" -o "$answer" -w '%{http_code}' "$url/v1-k3s/etcd-join" 2>"$answer.err" || true)
    [ "$code" = 200 ] && break
    # A duplicate node name is final, as in k3s; anything else (server still starting) is retried.
    [ "$code" = 409 ] && die "joining refused: $(cat "$answer")"
    # The reason, which HTTP 000 alone does not say: curl's error, or the supervisor's answer.
    log "waiting to be added to etcd through $url (HTTP $code: $(cat "$answer.err" "$answer" 2>/dev/null | head -c 300 | tr '\n' ' '))"
    sleep 5
  done
  initial_cluster=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["initialCluster"])' <"$answer")
  rm -f "$answer" "$answer.err"
}

start_etcd() {
  local state=$1
  run etcd "$BIN/etcd" --name "$member" --data-dir "$DB" \
    --listen-client-urls "https://127.0.0.1:2379,https://$node_ip:2379" --advertise-client-urls "https://$node_ip:2379" \
    --listen-peer-urls "https://$node_ip:2380" --initial-advertise-peer-urls "https://$node_ip:2380" \
    --initial-cluster "$initial_cluster" --initial-cluster-state "$state" \
    --client-cert-auth --trusted-ca-file "$TLS/etcd/server-ca.crt" \
    --cert-file "$TLS/etcd/server-client.crt" --key-file "$TLS/etcd/server-client.key" \
    --peer-client-cert-auth --peer-trusted-ca-file "$TLS/etcd/peer-ca.crt" \
    --peer-cert-file "$TLS/etcd/peer-server-client.crt" --peer-key-file "$TLS/etcd/peer-server-client.key" \
    --heartbeat-interval 500 --election-timeout 5000 --listen-metrics-urls http://127.0.0.1:2381 \
    --log-level warn
}

# A learner serves no reads: k3s promotes it once it has caught up, before starting the API.
# Until then $DB/learner-of keeps the members it joined, so a learner stopped before its promotion
# (a service restart) is promoted after it restarts too (in k3s the leader promotes learners).
LEARNER_OF=$DB/learner-of
promote_self() {
  local endpoints id
  endpoints=$(tr ',' '\n' <"$LEARNER_OF" | sed -n 's#^[^=]*=https://\([^:]*\):2380$#https://\1:2379#p' | grep -v "$node_ip" | paste -sd,)
  until etcdctl_local --endpoints="$endpoints" member list -w simple 2>/dev/null | grep -q ", started, $member, .*, false$"; do
    # A member list that times out (a loaded peer) is retried, never fatal: under errexit a failed
    # command substitution would end the whole service silently.
    id=$(etcdctl_local --endpoints="$endpoints" member list -w simple 2>/dev/null | awk -F', ' -v m="$member" '$3 == m {print $1}') || id=""
    [ -n "$id" ] && etcdctl_local --endpoints="$endpoints" member promote "$id" >/dev/null 2>&1 && break
    parts_alive
    sleep 2
  done
  rm -f "$LEARNER_OF"
  log "etcd member $member is a voting member"
}

# wait_etcd: until the local member answers; stops when a part started so far (etcd) has exited.
wait_etcd() {
  until etcdctl_local --endpoints=https://127.0.0.1:2379 endpoint health >/dev/null 2>&1; do
    parts_alive
    sleep 1
  done
}

# A one-member etcd on this node's data for the reset (client on the loopback only): FLAGS...
reset_etcd() {
  run etcd "$BIN/etcd" --name "$name" --data-dir "$DB" "$@" \
    --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \
    --listen-peer-urls "https://$node_ip:2380" --initial-advertise-peer-urls "https://$node_ip:2380" \
    --client-cert-auth --trusted-ca-file "$TLS/etcd/server-ca.crt" \
    --cert-file "$TLS/etcd/server-client.crt" --key-file "$TLS/etcd/server-client.key" \
    --peer-client-cert-auth --peer-trusted-ca-file "$TLS/etcd/peer-ca.crt" \
    --peer-cert-file "$TLS/etcd/peer-server-client.crt" --peer-key-file "$TLS/etcd/peer-server-client.key"
}

cluster_reset() {
  [ -z "$server_url" ] || die "--cluster-reset cannot be used with a server URL (server: $server_url)"
  [ -s "$TLS/etcd/server-ca.crt" ] || die "--cluster-reset needs the cluster's bootstrap data in $TLS"
  local name
  name=$(cat "$DB/name" 2>/dev/null || echo "$node_name-$(openssl rand -hex 4)")
  local snapshot=$restore_path
  if [ -n "$snapshot" ] && [ ! -f "$snapshot" ] && [ -n "$s3" ]; then
    "$LIB/snapshot.sh" download "$snapshot" "$DATA/server/db/restore.db"
    snapshot=$DATA/server/db/restore.db
  fi
  [ -z "$snapshot" ] || [ -f "$snapshot" ] || die "cluster-reset-restore-path $restore_path: no such snapshot"
  local aside
  aside="$DATA/server/db/etcd-old-$(date +%s)"
  if [ -n "$snapshot" ]; then
    [ -d "$DB" ] && mv "$DB" "$aside"
    "$BIN/etcdutl" snapshot restore "$snapshot" --data-dir "$DB" --name "$name" \
      --initial-cluster "$name=https://$node_ip:2380" --initial-advertise-peer-urls "https://$node_ip:2380" >&2
    # The snapshot carries the bootstrap data (CAs, service-account key, secrets-encryption
    # config) encrypted with the token of its time: k3s writes it back to disk, so Secrets
    # written before the snapshot decrypt again.
    reset_etcd --initial-cluster "$name=https://$node_ip:2380"
    wait_etcd
    local rc=0
    bootstrap_data load || rc=$?
    cleanup
    case "$rc" in
      0) log "bootstrap data (CAs, service-account key, encryption config) restored from the snapshot" ;;
      4) log "the snapshot holds no bootstrap data: the files on disk stay" ;;
      *) die "the snapshot's bootstrap data does not open with this token: a snapshot from before a token rotation needs the token of its time" ;;
    esac
  else
    [ -d "$DB/member" ] || die "--cluster-reset without a restore path needs etcd data in $DB"
    cp -a "$DB" "$aside"
    # Without a snapshot k3s keeps the data and forces a new single-member cluster.
    reset_etcd --force-new-cluster
    wait_etcd
    cleanup
  fi
  echo "$name" >"$DB/name"
  log "cluster reset done: restart without --cluster-reset; other servers must set aside server/db and rejoin"
  exit 0
}

server_main() {
  mkdir -p "$TLS" "$CRED" "$DATA/server/db"
  if [ -d "$DB/member" ]; then
    member=$(cat "$DB/name")
    initial_cluster="$member=https://$node_ip:2380"
    state=existing
    log "etcd data on disk: member $member restarts (cluster-init and server are ignored)"
  elif [ -n "$cluster_reset" ]; then
    :
  elif [ -n "$cluster_init" ]; then
    ensure_cas
    member="$node_name-$(openssl rand -hex 4)"
    initial_cluster="$member=https://$node_ip:2380"
    state=new
    log "cluster-init: new etcd cluster, member $member"
  elif [ -n "$server_url" ]; then
    # Always, as k3s: a server-0 given the CAs still takes the cluster's service-account key and
    # secrets-encryption config (its own would not decrypt the Secrets the others wrote).
    join_bootstrap
    member="$node_name-$(openssl rand -hex 4)"
    state=join
  else
    die "neither cluster-init nor server is set, and there is no etcd data to restart from"
  fi
  [ -n "$secrets_encryption" ] && ensure_encryption_config
  server_certs "$TLS" "$node_name" "$node_ip" "$tls_sans"
  [ -n "$cluster_reset" ] && cluster_reset
  if [ "$state" = join ]; then
    join_etcd
    mkdir -p "$DB"
    echo "$member" >"$DB/name"
    echo "$initial_cluster" >"$LEARNER_OF"
    start_etcd existing
    promote_self
  else
    mkdir -p "$DB"
    echo "$member" >"$DB/name"
    start_etcd "$state"
    if [ "$state" = existing ] && [ -s "$LEARNER_OF" ]; then promote_self; fi
  fi
  wait_etcd
  reconcile_bootstrap_data
  control_plane
}

# Leader leases long enough for an emulated (TCG) VM, whose API can stall for minutes: with the
# upstream defaults (15 s lease, 10 s renew) a stall makes the controller-manager exit, and the
# whole service restarts with it (as k3s itself exits). A 60 s renew deadline still lost the lease
# on a prod run's server-0 every 13-27 min, each restart 6 min back to ready. Not k3s' values; a
# real node keeps the defaults. The cost here: a new leader takes over up to 5 min after the old
# one's node is gone.
LEADER_ELECTION="--leader-elect-lease-duration=300s --leader-elect-renew-deadline=240s --leader-elect-retry-period=30s"
# The controllers read the request-header CA from the API once as they start and exit when that
# read times out; under emulation it did (prod lifetime run 11: server-1's controller-manager two
# minutes after its API was ready), and the whole service restarted with it. k3s does the lookup;
# here it is skipped, which only leaves the controllers' own HTTPS endpoints (nothing calls them)
# without request-header authentication.
CONTROLLER_AUTH_LOOKUP="--authentication-skip-lookup=true"

control_plane() {
  local api=https://127.0.0.1:6443
  kubeconfig "$CRED/admin.kubeconfig" "$api" "$TLS/server-ca.crt" "$TLS/client-admin.crt" "$TLS/client-admin.key"
  kubeconfig "$CRED/controller.kubeconfig" "$api" "$TLS/server-ca.crt" "$TLS/client-controller.crt" "$TLS/client-controller.key"
  kubeconfig "$CRED/scheduler.kubeconfig" "$api" "$TLS/server-ca.crt" "$TLS/client-scheduler.crt" "$TLS/client-scheduler.key"
  kubeconfig "$CRED/supervisor.kubeconfig" "$api" "$TLS/server-ca.crt" "$TLS/client-supervisor.crt" "$TLS/client-supervisor.key"
  local encryption=()
  [ -n "$secrets_encryption" ] && encryption=(--encryption-provider-config="$TLS/encryption-config.json")
  run kube-apiserver "$BIN/kube-apiserver" --advertise-address="$node_ip" --bind-address=0.0.0.0 --secure-port=6443 \
    --etcd-servers=https://127.0.0.1:2379 --etcd-cafile="$TLS/etcd/server-ca.crt" \
    --etcd-certfile="$TLS/etcd/client.crt" --etcd-keyfile="$TLS/etcd/client.key" \
    --client-ca-file="$TLS/client-ca.crt" --tls-cert-file="$TLS/serving-kube-apiserver.crt" \
    --tls-private-key-file="$TLS/serving-kube-apiserver.key" --anonymous-auth=false \
    --service-account-key-file="$TLS/service.key" --service-account-signing-key-file="$TLS/service.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local --api-audiences=https://kubernetes.default.svc.cluster.local,k3s \
    --service-cluster-ip-range=10.43.0.0/16 --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true --kubelet-client-certificate="$TLS/client-kube-apiserver.crt" \
    --kubelet-client-key="$TLS/client-kube-apiserver.key" --kubelet-preferred-address-types=InternalIP,Hostname \
    --requestheader-client-ca-file="$TLS/request-header-ca.crt" --requestheader-allowed-names=system:auth-proxy \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --proxy-client-cert-file="$TLS/client-auth-proxy.crt" \
    --proxy-client-key-file="$TLS/client-auth-proxy.key" --profiling=false "${encryption[@]}"
  # curl, not kubectl: each poll under emulation costs a Go program's start-up.
  until curl -sf --max-time 10 --cacert "$TLS/server-ca.crt" --cert "$TLS/client-admin.crt" --key "$TLS/client-admin.key" "$api/readyz" >/dev/null; do
    parts_alive
    sleep 1
  done
  log "kube-apiserver ready"
  install -m "$kubeconfig_mode" "$CRED/admin.kubeconfig" /etc/rancher/k3s/k3s.yaml
  run kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$CRED/controller.kubeconfig" \
    --authentication-kubeconfig="$CRED/controller.kubeconfig" --authorization-kubeconfig="$CRED/controller.kubeconfig" \
    --service-account-private-key-file="$TLS/service.key" --root-ca-file="$TLS/server-ca.crt" \
    --cluster-signing-cert-file="$TLS/client-ca.crt" --cluster-signing-key-file="$TLS/client-ca.key" \
    --use-service-account-credentials=true --allocate-node-cidrs=true --cluster-cidr=10.42.0.0/16 \
    --configure-cloud-routes=false \
    --bind-address=127.0.0.1 --profiling=false --leader-elect=true $LEADER_ELECTION $CONTROLLER_AUTH_LOOKUP
  run kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$CRED/scheduler.kubeconfig" \
    --authentication-kubeconfig="$CRED/scheduler.kubeconfig" --authorization-kubeconfig="$CRED/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --profiling=false --leader-elect=true $LEADER_ELECTION $CONTROLLER_AUTH_LOOKUP
  python3 - "$DATA/supervisor.json" <<PY
import json, sys
json.dump({"tls": "$TLS", "bin": "$BIN", "lib": "$LIB", "kubeconfig": "$CRED/supervisor.kubeconfig",
           "nodeName": "$node_name", "nodeIp": "$node_ip", "memberName": "$member",
           "secrets": {"server": "$token_secret", "node": "$agent_secret"}}, open(sys.argv[1], "w"))
PY
  chmod 0600 "$DATA/supervisor.json"
  run supervisor python3 "$LIB/supervisor.py" "$DATA/supervisor.json"
  run snapshots "$LIB/snapshot.sh" schedule
  # Servers are nodes too (k3s runs the agent in the server process).
  kubelet_certs "$DATA/agent" "$TLS" "$node_name" "$node_ip"
  cp "$TLS/server-ca.crt" "$TLS/client-ca.crt" "$DATA/agent/"
  node_start "$api"
}
