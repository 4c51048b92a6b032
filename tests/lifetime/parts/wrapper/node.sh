# The node half of "k3s made of upstream parts" (sourced by its k3s script): containerd and runc
# (Debian's, from the parts disk), the node's images imported from the parts disk as k3s imports
# air-gap images (no registry), a node-local CNI bridge where k3s would run flannel, and kubelet.

AGENT=$DATA/agent

# Agents get their kubelet certificates from a server's supervisor, after the CA hash check.
agent_certs() {
  local url host
  host=${server_url#https://}; host=${host%%/*}
  url="https://${host%:*}:9345"
  mkdir -p "$AGENT"
  until curl -skf --max-time 20 "$url/cacerts" -o "$AGENT/server-ca.crt"; do
    log "waiting for $url/cacerts"; sleep 5
  done
  if [ -n "$token_hash" ]; then
    local got
    got=$(sha256sum "$AGENT/server-ca.crt" | cut -d' ' -f1)
    [ "$got" = "$token_hash" ] || die "token CA hash mismatch: $url/cacerts hashes to $got, the token says $token_hash"
  fi
  [ -s "$AGENT/client-kubelet.crt" ] && return 0
  until curl -sf --max-time 60 --cacert "$AGENT/server-ca.crt" -u "node:$token_secret" -H 'Content-Type: application/json' \
      -d "{\"nodeName\":\"$node_name\",\"nodeIp\":\"$node_ip\"}" "$url/v1-k3s/kubelet-certs" -o "$AGENT/certs.json"; do
    log "waiting for kubelet certificates from $url"; sleep 5
  done
  python3 - "$AGENT/certs.json" "$AGENT" <<'PY'
import base64, json, os, sys
for name, content in json.load(open(sys.argv[1])).items():
    with open(os.open(os.path.join(sys.argv[2], name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(base64.b64decode(content))
PY
  rm -f "$AGENT/certs.json"
}

start_containerd() {
  local sock=/run/k3s/containerd/containerd.sock
  mkdir -p "$AGENT/etc/containerd" "$AGENT/etc/cni/net.d" /run/k3s/containerd
  # A node-local pod network: 10.42.<last octet of the node IP>.0/24 on a bridge (k3s: flannel).
  cat >"$AGENT/etc/cni/net.d/10-node-bridge.conflist" <<EOF
{"cniVersion":"1.0.0","name":"node-bridge","plugins":[{"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,
 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.42.${node_ip##*.}.0/24"}]]}},{"type":"portmap","capabilities":{"portMappings":true}}]}
EOF
  cat >"$AGENT/etc/containerd/config.toml" <<EOF
version = 2
root = "$AGENT/containerd"
state = "/run/k3s/containerd"
[grpc]
  address = "$sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/k3s-parts/pause:local"
  enable_selinux = false
[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "$PARTS/usr/lib/cni"
  conf_dir = "$AGENT/etc/cni/net.d"
EOF
  run containerd containerd --config "$AGENT/etc/containerd/config.toml"
  until ctr --address "$sock" version >/dev/null 2>&1; do
    parts_alive
    sleep 1
  done
  local image
  for image in "$PARTS"/images/*.tar; do
    if [ -e "$image" ]; then ctr --address "$sock" -n k8s.io images import "$image" >/dev/null; fi
  done
  CRI_ENDPOINT="unix://$sock"
}

# node_start API_URL: containerd, then kubelet registering this node with the API at API_URL.
node_start() {
  local api=$1
  modprobe br_netfilter 2>/dev/null || true
  modprobe overlay 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
  start_containerd
  kubeconfig "$AGENT/kubelet.kubeconfig" "$api" "$AGENT/server-ca.crt" "$AGENT/client-kubelet.crt" "$AGENT/client-kubelet.key"
  local taints=""
  [ -n "$node_taints" ] && taints="registerWithTaints:"$'\n'$(tr ',' '\n' <<<"$node_taints" | sed -n 's#^\([^=:]*\)\(=\([^:]*\)\)\{0,1\}:\(.*\)$#- {key: "\1", value: "\3", effect: "\4"}#p')
  cat >"$AGENT/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$AGENT/client-ca.crt"}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
clusterDomain: cluster.local
clusterDNS: [10.43.0.10]
containerRuntimeEndpoint: "$CRI_ENDPOINT"
failSwapOn: false
tlsCertFile: "$AGENT/serving-kubelet.crt"
tlsPrivateKeyFile: "$AGENT/serving-kubelet.key"
evictionHard: {memory.available: "20Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
$taints
EOF
  local labels=()
  [ -n "$node_labels" ] && labels=(--node-labels="$node_labels")
  # shellcheck disable=SC2086 # kubelet-arg entries are separate flags
  run kubelet "$BIN/kubelet" --config="$AGENT/kubelet-config.yaml" --kubeconfig="$AGENT/kubelet.kubeconfig" \
    --hostname-override="$node_name" --node-ip="$node_ip" --root-dir=/var/lib/kubelet "${labels[@]}" $kubelet_args
}

agent_main() {
  [ -n "$server_url" ] || die "an agent needs server: in $CONFIG"
  agent_certs
  node_start "$server_url"
}
