#!/usr/bin/env python3
"""The k3s supervisor of "k3s made of upstream parts" (servers only).

k3s serves these on :6443 beside the API (one process); here kube-apiserver owns :6443, so the
supervisor listens on :9345 (the port RKE2 uses for the same job) with the API's serving
certificate. What it does is k3s' own:
  GET  /cacerts                     the server CA bundle; a joining node hashes it and compares
                                    the hash in its token before sending credentials
  GET  /v1-k3s/server-bootstrap     CA certificates and keys, service-account key, encryption
                                    config (server token only)
  POST /v1-k3s/etcd-join            adds the caller as an etcd learner, refusing a node name that
                                    already has a member; answers the initial-cluster string
  POST /v1-k3s/kubelet-certs        a node's kubelet client and serving certificates
  PUT  /v1-k3s/token                `k3s token rotate`: {"newToken"}; the bootstrap data in etcd is
                                    re-encrypted with the new token (bootstrapdata.py)
The server token is accepted when it opens the bootstrap data in etcd (what k3s encrypts with
it): after a rotation the new token joins on every server and the old one on none. A cluster
whose datastore holds no bootstrap data yet compares with the configured token.
And, in the background, the managed-etcd controller: a deleted Node carrying k3s' finalizer has
its etcd member removed, then the finalizer is dropped — unless the Node carries k3s'
`etcd.k3s.cattle.io/removed-node-name` (the member was already dealt with, or is kept for a
replacement that restarts it from the same data).
Usage: supervisor.py CONFIG_JSON   (written by the k3s wrapper: paths, tokens, addresses)
"""
import base64, hashlib, hmac, http.client, json, os, re, ssl, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import bootstrapdata

CFG = json.load(open(sys.argv[1]))
TLS = CFG["tls"]
FINALIZER = "wrangler.cattle.io/managed-etcd-controller"
NAME_ANNOTATION = "etcd.k3s.cattle.io/node-name"
REMOVED_ANNOTATION = "etcd.k3s.cattle.io/removed-node-name"
BOOTSTRAP_FILES = bootstrapdata.FILES


def log(msg):
    print(f"supervisor: {msg}", file=sys.stderr, flush=True)


# etcdctl's own environment variables: the bootstrap data's store uses the same client.
os.environ.update({"ETCDCTL_ENDPOINTS": "https://127.0.0.1:2379", "ETCDCTL_CACERT": f"{TLS}/etcd/server-ca.crt",
                   "ETCDCTL_CERT": f"{TLS}/etcd/client.crt", "ETCDCTL_KEY": f"{TLS}/etcd/client.key"})
STORE = bootstrapdata.Etcd(CFG["bin"] + "/etcdctl")
LOCK = threading.Lock()


def etcdctl(*args):
    cmd = [CFG["bin"] + "/etcdctl", bootstrapdata.COMMAND_TIMEOUT, "-w", "json", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"etcdctl {' '.join(args)}: {out.stderr.strip()}")
    return json.loads(out.stdout) if out.stdout.strip() else {}


API_CONNECTION = None


def api(method, path, body=None, ctype="application/merge-patch+json"):
    """The local API with the supervisor's client certificate (python, not kubectl: cheaper per call),
    over one kept-alive connection: a controller that polls every few seconds costs an emulated
    server's API a TLS handshake per request otherwise."""
    global API_CONNECTION
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": ctype, "Accept": "application/json"}
    for attempt in (1, 2):
        if API_CONNECTION is None:
            ctx = ssl.create_default_context(cafile=f"{TLS}/server-ca.crt")
            ctx.load_cert_chain(f"{TLS}/client-supervisor.crt", f"{TLS}/client-supervisor.key")
            API_CONNECTION = http.client.HTTPSConnection("127.0.0.1", CFG.get("apiPort", 6443), context=ctx, timeout=30)
        try:
            API_CONNECTION.request(method, path, body=data, headers=headers)
            res = API_CONNECTION.getresponse()
            payload = res.read()
        except (OSError, http.client.HTTPException):
            # The API closed the kept connection (a restart, its idle timeout): once more on a new one.
            API_CONNECTION.close()
            API_CONNECTION = None
            if attempt == 2:
                raise
            continue
        return res.status, (json.loads(payload or b"{}") if res.status < 400 else {})


def member_hex(member_id):
    return format(member_id, "x")


# k3s answers a join from the token it holds in memory. This stand-in reads the datastore instead
# (so that a rotation on any server counts), and such a read spawns etcdctl: under emulation one can
# outlast the joining server's 30 s timeout, and unshared, the reads of its retries piled up until
# this server's own API starved and its controllers lost their leases (prod runs 4 and 5). So one
# check runs at a time, and its answer is kept for a minute (or until a rotation here).
TOKEN_LOCK = threading.Lock()
TOKEN_ANSWERS = {}
TOKEN_ANSWER_SECONDS = 60


def server_token_ok(secret):
    """The server token is the one the datastore's bootstrap data opens with (k3s encrypts it so)."""
    key = hashlib.sha256(secret.encode()).hexdigest()
    with TOKEN_LOCK:
        kept = TOKEN_ANSWERS.get(key)
        if kept and time.monotonic() - kept[1] < TOKEN_ANSWER_SECONDS:
            return kept[0]
        state = bootstrapdata.status(STORE, secret)
        ok = hmac.compare_digest(secret, CFG["secrets"]["server"]) if state == "none" else state == "match"
        TOKEN_ANSWERS[key] = (ok, time.monotonic())
        return ok


def forget_token_answers():
    with TOKEN_LOCK:
        TOKEN_ANSWERS.clear()


class Handler(BaseHTTPRequestHandler):
    def authorised(self, users):
        """Basic auth as one of `users`; raises when the datastore cannot say (the caller retries)."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        if user not in users:
            return False
        if user == "server":
            return server_token_ok(secret)
        expected = CFG["secrets"].get(user)
        return expected is not None and hmac.compare_digest(secret, expected)

    def check(self, users):
        """True when authorised; otherwise the answer (401, or 503 while etcd cannot answer) is sent."""
        try:
            if self.authorised(users):
                return True
            log(f"{self.command} {self.path} from {self.client_address[0]}: 401, not a valid token")
            self.reply(401, {"error": "unauthorised"})
        except Exception as e:  # noqa: BLE001 - etcd not ready: retryable
            log(f"{self.command} {self.path} from {self.client_address[0]}: 503, cannot check the token yet: {e}")
            self.reply(503, {"error": f"cannot check the token yet: {e}"})
        return False

    def reply(self, code, body, ctype="application/json"):
        # A request body left unread when the connection closes makes the kernel answer with a reset,
        # which can discard this reply before the client reads it (a refusal lost its 401 that way).
        if self._request is None:
            try:
                self.body()
            except ValueError:
                self._request = {}
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    _request = None

    def body(self):
        """The request's JSON body, read once."""
        if self._request is None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._request = json.loads(raw) if raw.strip() else {}
        return self._request

    def do_GET(self):
        if self.path == "/cacerts":
            return self.reply(200, open(f"{TLS}/server-ca.crt", "rb").read(), "application/x-pem-file")
        if self.path == "/v1-k3s/server-bootstrap":
            if not self.check(["server"]):
                return None
            files = {f: base64.b64encode(open(f"{TLS}/{f}", "rb").read()).decode() for f in BOOTSTRAP_FILES if os.path.exists(f"{TLS}/{f}")}
            return self.reply(200, files)
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path == "/v1-k3s/etcd-join":
            if not self.check(["server"]):
                return None
            req = self.body()
            try:
                with LOCK:
                    return self.join_etcd(req)
            except Exception as e:  # noqa: BLE001 - the caller retries and shows the reason
                return self.reply(503, {"error": str(e)})
        if self.path == "/v1-k3s/kubelet-certs":
            if not self.check(["server", "node"]):
                return None
            req = self.body()
            with tempfile.TemporaryDirectory() as d:
                run = subprocess.run(["bash", "-c", f'. "{CFG["lib"]}/pki.sh" && kubelet_certs "$1" "$2" "$3" "$4"',
                                      "sh", d, TLS, req["nodeName"], req["nodeIp"]], capture_output=True, text=True)
                if run.returncode != 0:
                    return self.reply(500, {"error": run.stderr})
                files = {f: base64.b64encode(open(f"{d}/{f}", "rb").read()).decode() for f in os.listdir(d)}
            for ca in ("server-ca.crt", "client-ca.crt"):
                files[ca] = base64.b64encode(open(f"{TLS}/{ca}", "rb").read()).decode()
            return self.reply(200, files)
        return self.reply(404, {"error": "not found"})

    def join_etcd(self, req):
        """k3s' join rules (pkg/etcd): a member that already has the caller's peer URL is the caller
        (an unstarted one has no name yet), so a join whose answer was lost is answered again
        instead of adding a second member; another member of the same node name is refused."""
        members = etcdctl("member", "list").get("members", [])
        cluster, add = [], True
        for m in members:
            name = m.get("name", "")
            if not name and req["peerURL"] in m.get("peerURLs", []):
                name = req["name"]
            if name == req["name"] and req["peerURL"] in m.get("peerURLs", []):
                add = False
            elif name.rpartition("-")[0] == req["nodeName"]:
                return self.reply(409, {"error": f"duplicate node name {req['nodeName']}: etcd member {name} exists"})
            if name and m.get("peerURLs"):
                cluster.append(f"{name}={m['peerURLs'][0]}")
        if add:
            etcdctl("member", "add", req["name"], f"--peer-urls={req['peerURL']}", "--learner")
            cluster.append(f"{req['name']}={req['peerURL']}")
            log(f"added etcd learner {req['name']} at {req['peerURL']}")
        else:
            log(f"etcd member {req['name']} at {req['peerURL']} exists already: the join is answered again")
        return self.reply(200, {"initialCluster": ",".join(sorted(set(cluster)))})

    def do_PUT(self):
        if self.path != "/v1-k3s/token":
            return self.reply(404, {"error": "not found"})
        # k3s authenticates the rotation with the current server token (user "server").
        if not self.check(["server"]):
            return None
        header = base64.b64decode(self.headers["Authorization"][6:]).decode()
        old = header.partition(":")[2]
        new = bootstrapdata.normalize(self.body().get("newToken") or "") or os.urandom(16).hex()
        # k3s refuses an agent bootstrap token (id.secret) as the new server token (k3s-io/k3s#12982).
        if re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", new):
            return self.reply(400, {"error": "the new server token must be K10<CA-HASH>::<USERNAME>:<PASSWORD> or <PASSWORD>, not a bootstrap token"})
        try:
            with LOCK:
                bootstrapdata.rotate(STORE, TLS, old, new)
                CFG["secrets"]["server"] = new
            forget_token_answers()
        except Exception as e:  # noqa: BLE001 - the CLI shows the reason
            return self.reply(500, {"error": f"token rotation: {e}"})
        log("server token rotated: the bootstrap data is encrypted with the new token")
        return self.reply(200, {})

    def log_message(self, *args):
        pass


def managed_etcd_controller():
    """k3s' managed-etcd controller: annotate our Node, remove members of deleted Nodes."""
    own_path = f"/api/v1/nodes/{CFG['nodeName']}"
    while True:
        try:
            code, node = api("GET", own_path)
            if code == 200:
                meta = node["metadata"]
                if meta.get("annotations", {}).get(NAME_ANNOTATION) != CFG["memberName"] or FINALIZER not in meta.get("finalizers", []):
                    patch = {"metadata": {"annotations": {NAME_ANNOTATION: CFG["memberName"],
                                                          "etcd.k3s.cattle.io/node-address": CFG["nodeIp"]},
                                          "finalizers": sorted(set(meta.get("finalizers", []) + [FINALIZER]))}}
                    api("PATCH", own_path, patch)
            code, nodes = api("GET", "/api/v1/nodes")
            for node in nodes.get("items", []) if code == 200 else []:
                meta = node["metadata"]
                if not meta.get("deletionTimestamp") or FINALIZER not in meta.get("finalizers", []):
                    continue
                annotations = meta.get("annotations", {})
                member = annotations.get(NAME_ANNOTATION)
                if annotations.get(REMOVED_ANNOTATION):
                    log(f"Node {meta['name']} deleted: etcd member {annotations[REMOVED_ANNOTATION]} kept ({REMOVED_ANNOTATION})")
                else:
                    for m in etcdctl("member", "list").get("members", []):
                        if member and m.get("name") == member:
                            etcdctl("member", "remove", member_hex(m["ID"]))
                            log(f"Node {meta['name']} deleted: removed etcd member {member}")
                rest = [f for f in meta["finalizers"] if f != FINALIZER]
                api("PATCH", f"/api/v1/nodes/{meta['name']}", {"metadata": {"finalizers": rest}})
        except Exception as e:  # noqa: BLE001 - keep reconciling, like a controller
            log(f"managed-etcd controller: {e}")
        time.sleep(CFG.get("controllerIntervalSeconds", 3))


class TlsServer(ThreadingHTTPServer):
    """TLS per connection in that connection's thread: a listening socket wrapped as a whole does
    every handshake in the accepting thread, so one client that stalls in its handshake (a VM
    starved under emulation) left every later join unanswered."""
    tls = None
    daemon_threads = True

    def finish_request(self, request, client_address):
        request.settimeout(60)
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            request.close()
            return
        super().finish_request(request, client_address)


def main():
    # `controller: false` and another `port`: the host tests run the endpoints alone.
    if CFG.get("controller", True):
        threading.Thread(target=managed_etcd_controller, daemon=True).start()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{TLS}/serving-kube-apiserver.crt", f"{TLS}/serving-kube-apiserver.key")
    port = int(CFG.get("port", 9345))
    server = TlsServer((CFG.get("address", "0.0.0.0"), port), Handler)
    server.tls = ctx
    log(f"listening on :{port}")
    server.serve_forever()


if __name__ == "__main__":
    main()
