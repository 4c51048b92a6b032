#!/usr/bin/env python3
"""Reads k3s' configuration the way k3s does: /etc/rancher/k3s/config.yaml and its drop-ins
(config.yaml.d/*.yaml, in name order), then command-line
flags (`--key=value`, `--key value`, bare `--flag`), flags winning. Prints shell assignments
for the k3s wrapper of "k3s made of upstream parts" (values quoted for `eval`).
Usage: config.py CONFIG_FILE [flags...]"""
import glob, shlex, sys
import yaml

BOOLEAN = {"cluster-init", "cluster-reset", "etcd-s3", "etcd-s3-insecure", "secrets-encryption"}


def load(path, argv):
    conf = {}
    # k3s reads config.yaml, then config.yaml.d/*.yaml in name order, later files winning.
    for file in [path] + sorted(glob.glob(path + ".d/*.yaml")):
        try:
            with open(file) as f:
                conf.update(yaml.safe_load(f) or {})
        except FileNotFoundError:
            pass
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--"):
            sys.exit(f"k3s: unexpected argument {arg!r}")
        key, eq, value = arg[2:].partition("=")
        if not eq:
            if key in BOOLEAN:
                value = True
            else:
                i += 1
                if i >= len(argv):
                    sys.exit(f"k3s: flag --{key} needs a value")
                value = argv[i]
        conf[key] = value
        i += 1
    return conf


def listof(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def token_parts(token):
    """k3s' token forms: K10<ca-hash>::<user>:<secret>, or a bare secret (no CA hash)."""
    if not token:
        return "", ""
    if token.startswith("K10") and "::" in token:
        ca_hash, _, creds = token[3:].partition("::")
        return ca_hash, creds.partition(":")[2]
    return "", token


def main():
    c = load(sys.argv[1], sys.argv[2:])
    truthy = lambda k: str(c.get(k, False)).lower() in ("true", "1", "yes")
    token_hash, token_secret = token_parts(str(c.get("token", "") or ""))
    _, agent_secret = token_parts(str(c.get("agent-token", "") or ""))
    out = {
        "node_name": c.get("node-name", ""),
        "node_ip": c.get("node-ip", ""),
        "cluster_init": "true" if truthy("cluster-init") else "",
        "server_url": c.get("server", ""),
        "token_hash": token_hash,
        "token_secret": token_secret,
        "agent_secret": agent_secret,
        "tls_sans": ",".join(map(str, listof(c.get("tls-san")))),
        "node_taints": ",".join(listof(c.get("node-taint"))),
        "node_labels": ",".join(listof(c.get("node-label"))),
        "kubelet_args": " ".join(f"--{a}" for a in listof(c.get("kubelet-arg"))),
        "secrets_encryption": "true" if truthy("secrets-encryption") else "",
        "kubeconfig_mode": str(c.get("write-kubeconfig-mode", "0600")),
        "cluster_reset": "true" if truthy("cluster-reset") else "",
        "restore_path": c.get("cluster-reset-restore-path", ""),
        "snapshot_cron": c.get("etcd-snapshot-schedule-cron", "0 */12 * * *"),
        "snapshot_retention": str(c.get("etcd-snapshot-retention", 5)),
        "s3": "true" if truthy("etcd-s3") else "",
        "s3_endpoint": c.get("etcd-s3-endpoint", ""),
        "s3_scheme": "http" if truthy("etcd-s3-insecure") else "https",
        "s3_bucket": c.get("etcd-s3-bucket", ""),
        "s3_region": c.get("etcd-s3-region", "us-east-1"),
        "s3_folder": c.get("etcd-s3-folder", ""),
        "s3_access_key": c.get("etcd-s3-access-key", ""),
        "s3_secret_key": c.get("etcd-s3-secret-key", ""),
    }
    for key, value in out.items():
        print(f"{key}={shlex.quote(str(value))}")


if __name__ == "__main__":
    main()
