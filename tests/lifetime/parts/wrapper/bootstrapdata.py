#!/usr/bin/env python3
"""k3s' BOOTSTRAP DATA in the datastore, for "k3s made of upstream parts" (servers only).

What k3s keeps there: the cluster CA certificates and keys, the service-account key and the
secrets-encryption config, as one document encrypted with the server token and stored in etcd
under /bootstrap/<first 12 hex digits of sha256(token)>. The format is k3s' own
(pkg/cluster/encrypt.go): a PBKDF2-SHA1 key (4096 rounds, 32 bytes) from the token and a random
salt, AES-GCM, stored as `<salt>:<base64(nonce | ciphertext | tag)>`. So it travels with every
etcd snapshot, a restore needs the token of the snapshot's time, and `k3s token rotate`
re-encrypts it with the new token (pkg/cluster/storage.go RotateBootstrapToken, migrateTokens).

Usage (the token's secret part in K3S_TOKEN_SECRET, never an argument: ps shows arguments):
  bootstrapdata.py save TLS_DIR   on every server start: create it from disk when the datastore
                                  has none; exit 3 when only another token's data is there (k3s:
                                  "bootstrap data already found and encrypted with different token")
  bootstrapdata.py load TLS_DIR   after a snapshot restore: write its files back to disk (exit 3 as
                                  above; exit 4 when the snapshot holds none)
etcd is reached with ETCDCTL (the program) and ETCDCTL_ENDPOINTS/_CACERT/_CERT/_KEY (etcdctl's env).
"""
import base64, hashlib, json, os, secrets, subprocess, sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FILES = ["server-ca.crt", "server-ca.key", "client-ca.crt", "client-ca.key", "request-header-ca.crt",
         "request-header-ca.key", "etcd/server-ca.crt", "etcd/server-ca.key", "etcd/peer-ca.crt",
         "etcd/peer-ca.key", "service.key", "encryption-config.json"]
PREFIX = "/bootstrap/"
OTHER_TOKEN = "bootstrap data already found and encrypted with different token"


def storage_key(secret):
    return PREFIX + hashlib.sha256(secret.encode()).hexdigest()[:12]


def _key(secret, salt):
    return hashlib.pbkdf2_hmac("sha1", secret.encode(), salt.encode(), 4096, 32)


def encrypt(secret, plaintext):
    salt = secrets.token_hex(8)
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(_key(secret, salt)).encrypt(nonce, plaintext, None)
    return f"{salt}:{base64.b64encode(sealed).decode()}".encode()


def decrypt(secret, data):
    """The plaintext, or None when `secret` is not the token it was encrypted with."""
    salt, sep, body = data.decode().partition(":")
    if not sep:
        return None
    raw = base64.b64decode(body)
    try:
        return AESGCM(_key(secret, salt)).decrypt(raw[:12], raw[12:], None)
    except Exception:  # noqa: BLE001 - InvalidTag: another token
        return None


def normalize(token):
    """k3s' NormalizeToken: the secret of `K10<hash>::<user>:<secret>`, `<user>:<secret>` or `<secret>`."""
    if token.startswith("K10") and "::" in token:
        token = token.split("::", 1)[1]
    return token.split(":", 1)[1] if ":" in token else token


# etcdctl gives up on a request after 5 s by default (and reads no variable for it). With three
# emulated servers on two cores a read took longer, and every join was answered 503 for ten
# minutes (prod run 12). 20 s keeps a join's three requests (token, member list, member add)
# inside the joining server's 90 s.
COMMAND_TIMEOUT = "--command-timeout=20s"


class Etcd:
    """The datastore through etcdctl (the same program and client certificate the wrapper uses)."""

    def __init__(self, etcdctl=None):
        self.etcdctl = etcdctl or os.environ.get("ETCDCTL", "etcdctl")

    def _run(self, *args, stdin=None):
        out = subprocess.run([self.etcdctl, COMMAND_TIMEOUT, *args], input=stdin, capture_output=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"etcdctl {args[0]}: {out.stderr.decode().strip()}")
        return out.stdout

    def list(self):
        """{key: (value, mod_revision)} of every bootstrap key."""
        answer = json.loads(self._run("get", "--prefix", PREFIX, "-w", "json") or b"{}")
        return {base64.b64decode(kv["key"]).decode(): (base64.b64decode(kv.get("value", "")), kv.get("mod_revision", 0))
                for kv in answer.get("kvs", [])}

    def put(self, key, value):
        self._run("put", key, stdin=value)

    def delete(self, key):
        self._run("del", key)


def read_disk(tls):
    files = {}
    for name in FILES:
        path = os.path.join(tls, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                files[name] = base64.b64encode(f.read()).decode()
    return json.dumps(files, sort_keys=True).encode()


def write_disk(tls, plaintext):
    for name, content in json.loads(plaintext).items():
        if name not in FILES:
            continue
        path = os.path.join(tls, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(base64.b64decode(content))


def status(store, secret):
    """`match` (this token's data is there and opens), `none` (no bootstrap data), `other`."""
    keys = store.list()
    if not keys:
        return "none"
    found = keys.get(storage_key(secret))
    return "match" if found and decrypt(secret, found[0]) is not None else "other"


def save(store, tls, secret, override=False):
    """k3s' Save: create this token's key from disk; with `override`, replace what is there."""
    state = status(store, secret)
    if state == "other":
        raise PermissionError(OTHER_TOKEN)
    if state == "none" or override:
        store.put(storage_key(secret), encrypt(secret, read_disk(tls)))


def load(store, tls, secret):
    state = status(store, secret)
    if state == "other":
        raise PermissionError(OTHER_TOKEN)
    if state == "none":
        raise LookupError("the datastore holds no bootstrap data")
    write_disk(tls, decrypt(secret, store.list()[storage_key(secret)][0]))


def rotate(store, tls, old, new):
    """k3s' token rotation: re-encrypt the data under the new token's key, drop the old key, then
    save this server's files under the new token (idempotent: old == new re-saves only)."""
    keys = store.list()
    old_key, new_key = storage_key(old), storage_key(new)
    if old_key in keys and old_key != new_key:
        data = decrypt(old, keys[old_key][0])
        if data is None:
            raise PermissionError("the current bootstrap data does not open with the old token")
        if new_key not in keys:
            store.put(new_key, encrypt(new, data))
        store.delete(old_key)
    store.put(new_key, encrypt(new, read_disk(tls)))


def main():
    command, tls = sys.argv[1], sys.argv[2]
    secret = normalize(os.environ["K3S_TOKEN_SECRET"])
    store = Etcd()
    try:
        if command == "save":
            save(store, tls, secret)
        elif command == "load":
            load(store, tls, secret)
        else:
            sys.exit(f"bootstrapdata.py: unknown command {command}")
    except PermissionError as e:
        print(f"k3s: {e}", file=sys.stderr)
        sys.exit(3)
    except LookupError as e:
        print(f"k3s: {e}", file=sys.stderr)
        sys.exit(4)


if __name__ == "__main__":
    main()
