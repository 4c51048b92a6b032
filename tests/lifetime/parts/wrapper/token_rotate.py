#!/usr/bin/env python3
"""`k3s token rotate` of "k3s made of upstream parts", as k3s' own (pkg/cli/token/token.go): a
client of a server's supervisor. It checks the server against the CA hash in `--token` (as every
join does), then PUTs /v1-k3s/token {"newToken"} authenticated as user `server` with that token;
the server re-encrypts the bootstrap data with the new token. Any server of the cluster can be
asked (`--server`, default https://127.0.0.1:6443, or K3S_URL); here its supervisor answers on
:9345 of the same host (K3S_SUPERVISOR_PORT), not beside the API.
Usage: token_rotate.py rotate [--server URL] [--token TOKEN] [--new-token NEW] [--data-dir DIR]
"""
import argparse, base64, hashlib, http.client, json, os, ssl, sys, tempfile, urllib.error, urllib.parse, urllib.request


def fail(msg):
    print(f"k3s: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) < 2 or sys.argv[1] != "rotate":
        fail("this stand-in supports `k3s token rotate` only")
    p = argparse.ArgumentParser(prog="k3s token rotate")
    p.add_argument("--server", "-s", default=os.environ.get("K3S_URL", "https://127.0.0.1:6443"))
    p.add_argument("--token", "-t", default=os.environ.get("K3S_TOKEN", ""))
    p.add_argument("--new-token", default="")
    p.add_argument("--data-dir", "-d", default="/var/lib/rancher/k3s")
    args = p.parse_args(sys.argv[2:])
    token = args.token
    if not token:
        try:
            token = open(os.path.join(args.data_dir, "server", "token")).read().strip()
        except OSError:
            fail("--token is required (no server/token file to read it from)")
    ca_hash, secret = "", token
    if token.startswith("K10") and "::" in token:
        ca_hash, creds = token[3:].split("::", 1)
        secret = creds.split(":", 1)[1] if ":" in creds else creds
    elif ":" in token:
        secret = token.split(":", 1)[1]
    host = urllib.parse.urlparse(args.server).hostname
    base = f"https://{host}:{os.environ.get('K3S_SUPERVISOR_PORT', '9345')}"
    # As a join: fetch the CA bundle untrusted, compare its hash with the token's, then trust it.
    try:
        with urllib.request.urlopen(f"{base}/cacerts", context=ssl._create_unverified_context(), timeout=30) as res:
            cacerts = res.read()
    except (OSError, urllib.error.URLError) as e:
        fail(f"{base}/cacerts: {e}")
    if ca_hash and hashlib.sha256(cacerts).hexdigest() != ca_hash:
        fail(f"token CA hash does not match the server's CA ({base}/cacerts)")
    with tempfile.NamedTemporaryFile(suffix=".crt") as ca:
        ca.write(cacerts)
        ca.flush()
        ctx = ssl.create_default_context(cafile=ca.name)
        # The server is authenticated by the CA the token pins; the address asked may be any of its names.
        ctx.check_hostname = False
        body = json.dumps({"newToken": args.new_token}).encode()
        auth = base64.b64encode(f"server:{secret}".encode()).decode()
        req = urllib.request.Request(f"{base}/v1-k3s/token", data=body, method="PUT",
                                     headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})
        print("WARNING: Recommended to keep a record of the old token. If restoring from a snapshot, you must use the token associated with that snapshot.")
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=120) as res:
                res.read()
        except urllib.error.HTTPError as e:
            # The server may close before its refusal's body is read; the status is the answer.
            try:
                body = e.read().decode(errors="replace").strip()
            except (OSError, http.client.HTTPException) as closed:
                body = f"(body unread: {closed})"
            fail(f"token rotate: {base}: HTTP {e.code} {body}")
        except (OSError, urllib.error.URLError) as e:
            fail(f"token rotate: {base}: {e}")
    print("Token rotated, restart k3s nodes with new token")


if __name__ == "__main__":
    main()
