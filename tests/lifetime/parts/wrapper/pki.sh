# Certificates of "k3s made of upstream parts" (sourced by its k3s script). k3s issues the
# leaf certificates of a server from the cluster CAs at start; so does this, with openssl, into
# the same files under server/tls. Existing files are kept (k3s renews them only near expiry).

# issue CA_BASENAME OUT_BASENAME CN [O] [SANS] [USAGE]
#   USAGE: client | server | both. SANS: comma-separated DNS:/IP: entries.
issue() {
  local ca=$1 out=$2 cn=$3 o=${4:-} sans=${5:-} usage=${6:-client}
  [ -s "$out.crt" ] && [ -s "$out.key" ] && return 0
  local subj="/CN=$cn"
  [ -n "$o" ] && subj="/O=$o$subj"
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    case "$usage" in
      client) echo "extendedKeyUsage=clientAuth" ;;
      server) echo "extendedKeyUsage=serverAuth" ;;
      both) echo "extendedKeyUsage=serverAuth,clientAuth" ;;
    esac
    [ -n "$sans" ] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$out.key" 2>/dev/null
  openssl req -new -key "$out.key" -subj "$subj" -out "$out.csr" 2>/dev/null
  openssl x509 -req -in "$out.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 365 \
    -extfile "$ext" -out "$out.crt" 2>/dev/null
  rm -f "$out.csr" "$ext"
  chmod 0600 "$out.key"
}

# kubeconfig FILE SERVER_URL CA CERT KEY: a kubeconfig with a client certificate (files inline).
kubeconfig() {
  local file=$1 url=$2 ca=$3 cert=$4 key=$5
  umask 077
  cat >"$file" <<KC
apiVersion: v1
kind: Config
clusters:
- name: default
  cluster:
    server: $url
    certificate-authority-data: $(base64 -w0 <"$ca")
contexts:
- name: default
  context: {cluster: default, user: default}
current-context: default
users:
- name: default
  user:
    client-certificate-data: $(base64 -w0 <"$cert")
    client-key-data: $(base64 -w0 <"$key")
KC
}

# server_certs TLS_DIR NODE_NAME NODE_IP TLS_SANS(comma list): every leaf a server needs.
server_certs() {
  local t=$1 name=$2 ip=$3 sans=$4
  local api_sans="DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:10.43.0.1,IP:$ip,DNS:$name"
  local s
  for s in ${sans//,/ }; do
    case "$s" in
      *[!0-9.]*) api_sans+=",DNS:$s" ;;
      *) api_sans+=",IP:$s" ;;
    esac
  done
  mkdir -p "$t/etcd"
  issue "$t/server-ca" "$t/serving-kube-apiserver" kube-apiserver "" "$api_sans" server
  issue "$t/client-ca" "$t/client-admin" system:admin system:masters
  issue "$t/client-ca" "$t/client-controller" system:kube-controller-manager
  issue "$t/client-ca" "$t/client-scheduler" system:kube-scheduler
  issue "$t/client-ca" "$t/client-kube-apiserver" system:apiserver system:masters
  issue "$t/client-ca" "$t/client-supervisor" system:k3s-supervisor system:masters
  issue "$t/request-header-ca" "$t/client-auth-proxy" system:auth-proxy
  issue "$t/etcd/server-ca" "$t/etcd/server-client" etcd-server "" "DNS:localhost,IP:127.0.0.1,IP:$ip,DNS:$name" both
  issue "$t/etcd/server-ca" "$t/etcd/client" etcd-client
  issue "$t/etcd/peer-ca" "$t/etcd/peer-server-client" etcd-peer "" "DNS:localhost,IP:127.0.0.1,IP:$ip,DNS:$name" both
}

# kubelet_certs DIR CA_DIR NODE_NAME NODE_IP: a node's kubelet client and serving certificates.
kubelet_certs() {
  local d=$1 t=$2 name=$3 ip=$4
  mkdir -p "$d"
  issue "$t/client-ca" "$d/client-kubelet" "system:node:$name" system:nodes
  issue "$t/server-ca" "$d/serving-kubelet" "$name" "" "DNS:$name,DNS:localhost,IP:127.0.0.1,IP:$ip" server
}
