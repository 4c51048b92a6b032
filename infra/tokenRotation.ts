/**
 * Rotating the server token of a running cluster, the way k3s does it. Pure.
 *
 * k3s encrypts its bootstrap data in the datastore (CAs, service-account key, secrets-encryption
 * config) with the server token, so a server that joins with a new token is refused until the
 * cluster was told: `k3s token rotate --token <old> --new-token <new>` asks one server (any of
 * the cluster's, `--server`) to re-encrypt it with the new token; from then on the new token
 * joins and the old one does not, and every server still configured with the old one must be
 * restarted with the new one (here: replaced, one at a time, by the roll the new user-data causes).
 *
 * The config key `serverTokenGeneration` names the token; raising it by one creates the next
 * generation's token while the previous one stays in the stack's state. Every server of that
 * deployment is rendered with the new token and this script, which runs once on the new VM's
 * first boot, after k3s is installed and before it first starts:
 *  - nothing to do for a cluster being initialised (server-0's bootstrap drop-in says cluster-init);
 *  - a joining server asks the join URL: first `new → new`, which succeeds only where the new
 *    token already works (an earlier server of the roll rotated it) and re-saves what is there;
 *    else `previous → new`. Retried until it works or 30 minutes passed (the VIP may move);
 *  - a server with its own etcd data (a single server's datastore volume) has nobody to ask:
 *    k3s is started as configured (the data opens with the new token: done), else once with the
 *    previous token (a drop-in), rotated locally and stopped.
 * Agents are untouched: they join with the separate agent token (`agent-token`).
 */
import type { WriteFile } from "./writeFile";
import { BOOTSTRAP_DROP_IN } from "./bootstrap";

export const TOKEN_ROTATION_SCRIPT = "/usr/local/sbin/k3s-token-rotate";
/** The two tokens for the script: /run is tmpfs, and the script removes it once read. */
export const TOKEN_ROTATION_ENV = "/run/k3s-token-rotation";
/** k3s reads config.yaml.d/*.yaml after config.yaml, later files winning. */
export const PREVIOUS_TOKEN_DROP_IN = "/etc/rancher/k3s/config.yaml.d/90-previous-token.yaml";
/** How long a joining server keeps asking before its first boot fails. */
export const ROTATION_DEADLINE_SECONDS = 1800;

/** The stack resource of a token generation: generation 1 keeps the name the only token always had. */
export function serverTokenResourceName(cluster: string, generation: number): string {
    return generation === 1 ? `${cluster}-server-token` : `${cluster}-server-token-g${generation}`;
}

/**
 * A generation may stay or move up by one per deployment, once the cluster exists: the cluster
 * knows only the previous token, so a jump would leave the new servers nothing to rotate from.
 * `previous`: the generation the stack last published (undefined: 1, or nothing published).
 */
export function tokenGenerationProblem(initialised: boolean, previous: number | undefined, next: number): string | undefined {
    if (!initialised) return undefined;
    const was = previous ?? 1;
    if (next === was || next === was + 1) return undefined;
    return next < was
        ? `serverTokenGeneration ${next}: the cluster already runs generation ${was}; ` +
              `a token generation cannot go back (its bootstrap data is encrypted with generation ${was}'s token)`
        : `serverTokenGeneration ${next}: the cluster runs generation ${was}; raise it by one per ` +
              `deployment (${was + 1}), so the new servers can rotate from the token the cluster knows`;
}

/** The files a server rendered with a previous token gets (tokens in secure format, `K10…::server:<secret>`). */
export function tokenRotationFiles(joinUrl: string, previousToken: string, newToken: string): WriteFile[] {
    return [
        { path: TOKEN_ROTATION_SCRIPT, permissions: "0755", content: tokenRotationScript(joinUrl) },
        {
            path: TOKEN_ROTATION_ENV,
            permissions: "0600",
            owner: "root:root",
            content: `PREVIOUS_TOKEN='${previousToken}'\nNEW_TOKEN='${newToken}'\n`,
        },
    ];
}

export function tokenRotationScript(joinUrl: string): string {
    return `#!/bin/sh
# Rotates the cluster's server token to this server's (k3s token rotate), on its first boot,
# before k3s first starts. Tokens: ${TOKEN_ROTATION_ENV} (removed once read).
set -eu
env=${TOKEN_ROTATION_ENV}
[ -f "$env" ] || { echo "k3s-token-rotate: no tokens to rotate (not the first boot?)"; exit 0; }
. "$env"
rm -f "$env"
k3s=/usr/local/bin/k3s
new_secret=\${NEW_TOKEN##*:}
deadline=$(( $(date +%s) + ${ROTATION_DEADLINE_SECONDS} ))
# rotate URL: new -> new succeeds only where the new token already works; else previous -> new.
rotate() {
  while :; do
    if "$k3s" token rotate --server "$1" --token "$NEW_TOKEN" --new-token "$new_secret"; then
      echo "k3s-token-rotate: the new token works at $1"; return 0
    fi
    if "$k3s" token rotate --server "$1" --token "$PREVIOUS_TOKEN" --new-token "$new_secret"; then
      echo "k3s-token-rotate: rotated the cluster's server token at $1"; return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { echo "k3s-token-rotate: neither token is accepted at $1" >&2; return 1; }
    sleep 10
  done
}
if grep -qs '^cluster-init: true' ${BOOTSTRAP_DROP_IN}; then
  echo "k3s-token-rotate: a new cluster starts with the new token"; exit 0
fi
if [ ! -e /var/lib/rancher/k3s/server/db/etcd/member ]; then
  rotate '${joinUrl}'; exit 0
fi
# Own etcd data, nobody to ask: the data opens with the new token, or is rotated here.
if systemctl start k3s.service; then
  echo "k3s-token-rotate: k3s' data opens with the new token"; exit 0
fi
systemctl stop k3s.service || true
systemctl reset-failed k3s.service || true
dropin=${PREVIOUS_TOKEN_DROP_IN}
mkdir -p "$(dirname "$dropin")"
(umask 077; printf 'token: %s\\n' "$PREVIOUS_TOKEN" >"$dropin")
trap 'rm -f "$dropin"' EXIT
systemctl start k3s.service
rotate https://127.0.0.1:6443
systemctl stop k3s.service
`;
}
