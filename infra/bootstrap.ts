/**
 * How the first server (server-0) starts k3s on its first boot: initialise a new cluster, join
 * the existing one, or restore one from an etcd snapshot. Pure.
 *
 * The choice is a fact of the cluster's history, not of the node's spec, so it does not live in
 * user-data (Nova replaces a VM whose user-data changes): it is the instance metadata key
 * `k3s_bootstrap`, which Nova updates in place. server-0 reads it once, on its first boot, and
 * writes it down as a k3s config drop-in. `cluster-init` is rendered only while the stack has
 * never published outputs (they resolve only once the cluster was ready); from then on every
 * server-0 — replaced under the same name, by a rotation or a revert — joins.
 */

/** Instance metadata key server-0 reads (underscores: cloud-init's query names keep them). */
export const BOOTSTRAP_METADATA_KEY = "k3s_bootstrap";
/** Where the decision is written: k3s reads `config.yaml.d/*.yaml` after `config.yaml`. */
export const BOOTSTRAP_DROP_IN = "/etc/rancher/k3s/config.yaml.d/10-bootstrap.yaml";
export const BOOTSTRAP_SCRIPT = "/usr/local/sbin/k3s-bootstrap";

export type Bootstrap =
    /** A new, empty cluster: the first deployment of an environment only. */
    | { readonly mode: "cluster-init" }
    /** Join the existing members (the VIP, or for a single server its own data). */
    | { readonly mode: "join" }
    /** Every server was lost: restore this etcd snapshot (k3s cluster-reset), then run alone. */
    | { readonly mode: "restore"; readonly snapshot: string };

/** Snapshot names as k3s writes them (`etcd-snapshot-<node>-<unix time>`, optionally `.zip`). */
export const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function checkSnapshotName(name: string): string | undefined {
    return SNAPSHOT_NAME.test(name)
        ? undefined
        : `"${name}" is not a snapshot name (letters, digits, ".", "_", "-"; as \`k3s etcd-snapshot ls\` prints them)`;
}

/**
 * The infra stack outputs that exist only after a deployment whose readiness gate passed:
 * their presence in the stack's previous outputs means the cluster was initialised.
 */
export const INITIALISED_OUTPUTS = ["clusterId", "apiEndpoint"] as const;

export function wasInitialised(previousOutputs: Record<string, unknown> | undefined): boolean {
    return INITIALISED_OUTPUTS.some((key) => {
        const value = previousOutputs?.[key];
        return typeof value === "string" ? value !== "" : value !== undefined && value !== null;
    });
}

/** The decision: restore when asked, else init exactly while nothing was ever initialised. */
export function decideBootstrap(previousOutputs: Record<string, unknown> | undefined, restoreSnapshot?: string): Bootstrap {
    if (restoreSnapshot) {
        const problem = checkSnapshotName(restoreSnapshot);
        if (problem) throw new Error(`restoreFromSnapshot: ${problem}`);
        return { mode: "restore", snapshot: restoreSnapshot };
    }
    return wasInitialised(previousOutputs) ? { mode: "join" } : { mode: "cluster-init" };
}

export function encodeBootstrap(b: Bootstrap): string {
    return b.mode === "restore" ? `restore:${b.snapshot}` : b.mode;
}

export function decodeBootstrap(value: string): Bootstrap {
    if (value === "cluster-init" || value === "join") return { mode: value };
    if (value.startsWith("restore:") && !checkSnapshotName(value.slice("restore:".length)))
        return { mode: "restore", snapshot: value.slice("restore:".length) };
    throw new Error(`${BOOTSTRAP_METADATA_KEY}="${value}": expected cluster-init, join or restore:<snapshot>`);
}

/** The k3s settings each mode adds to server-0's config (what the node's script writes). */
export function bootstrapSettings(b: Bootstrap, joinUrl: string): Record<string, unknown> {
    return b.mode === "cluster-init" ? { "cluster-init": true } : { server: joinUrl };
}

/**
 * The node-side script (`k3s-bootstrap`), run once by cloud-init after k3s is installed and
 * before it first starts. With etcd data already on the disk (a reused datastore volume) k3s
 * ignores cluster-init/server and restarts its member; the join form is written then, so a
 * later empty data directory never starts a second cluster. A restore runs k3s' cluster-reset
 * (which needs no `server` and exits when done) before the join form is written.
 */
export function bootstrapScript(joinUrl: string): string {
    return `#!/bin/sh
# How this server starts k3s the first time: instance metadata ${BOOTSTRAP_METADATA_KEY}.
set -eu
dropin=${BOOTSTRAP_DROP_IN}
mode=$(cloud-init query ds.meta_data.meta.${BOOTSTRAP_METADATA_KEY}) || {
  echo "k3s-bootstrap: the instance metadata has no ${BOOTSTRAP_METADATA_KEY} (cluster-init, join or restore:<snapshot>)" >&2; exit 1; }
mkdir -p "$(dirname "$dropin")"
join() { printf 'server: %s\\n' '${joinUrl}' > "$dropin.new"; mv "$dropin.new" "$dropin"; }
if [ -e /var/lib/rancher/k3s/server/db/etcd/member ] && [ "\${mode%%:*}" != restore ]; then
  echo "k3s-bootstrap: etcd data found on the disk: k3s restarts that member ($mode not needed)"
  join; exit 0
fi
case "$mode" in
  cluster-init)
    echo "k3s-bootstrap: initialising a new cluster"
    printf 'cluster-init: true\\n' > "$dropin.new"; mv "$dropin.new" "$dropin" ;;
  join)
    echo "k3s-bootstrap: joining ${joinUrl}"
    join ;;
  restore:*)
    snapshot=\${mode#restore:}
    case "$snapshot" in
      ""|*[!A-Za-z0-9._-]*) echo "k3s-bootstrap: bad snapshot name '$snapshot'" >&2; exit 1 ;;
    esac
    rm -f "$dropin"
    echo "k3s-bootstrap: restoring etcd snapshot $snapshot"
    /usr/local/bin/k3s server --cluster-reset --cluster-reset-restore-path="$snapshot"
    join ;;
  *) echo "k3s-bootstrap: ${BOOTSTRAP_METADATA_KEY}='$mode': expected cluster-init, join or restore:<snapshot>" >&2; exit 1 ;;
esac
`;
}
