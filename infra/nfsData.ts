/**
 * server-0's NFS export lives on a Cinder volume that outlives every VM. On the node:
 *   nfs-data.path     starts nfs-data.service as soon as the volume's device appears (Cinder
 *                     attaches it after the VM boots), under any name Cinder CSI also looks for.
 *   nfs-data.service  start: format only a blank, readable disk, mount it, export it.
 *                     stop:  unexport, stop nfs-server, unmount — before the volume is detached.
 *   nfs-data-exports.service  keeps the export list equal to the cluster's Node addresses
 *                     (a watch on the Node objects): only nodes that joined are clients.
 *   nfs-data-release.service  waits for the drain step's release request on this node's
 *                     Node object, stops nfs-data.service and reports back (see lifecycle/).
 * The export file lives in /run, so after any reboot nothing is exported until the volume is
 * mounted again: nfs-server never serves the root disk's empty directory.
 *
 * Root is squashed: the provisioner (root in its pod) and every root pod write as
 * nobody/nogroup (65534), which owns the export root and the provisioner's namespace directories;
 * the provisioner makes each volume directory mode 0777, so pods of any UID write there.
 */
import type { WriteFile } from "./writeFile";
import { dataDeviceCandidates, ext4OnceShell } from "./volumeDevice";
import { DATASTORE_SCRIPT } from "./datastore";

export { dataDeviceCandidates };

export interface NfsSpec {
    readonly volumeId: string;
    readonly exportPath: string;
}

/** Export options: root on a client is nobody here (root_squash to SQUASH_ID). */
export const EXPORT_OPTIONS = "rw,sync,no_subtree_check,root_squash,anonuid=65534,anongid=65534";
/** nobody/nogroup: what root on a client writes as. */
export const SQUASH_ID = 65534;

/** Annotation the drain step sets to `release` and the node answers with `released`. */
export const RELEASE_ANNOTATION = "platform.example.org/nfs-data";
const SCRIPT = "/usr/local/sbin/nfs-data";
const RUN_DIR = "/run/nfs-data";
const RUN_EXPORTS = `${RUN_DIR}/k3s-data.exports`;
/** kubectl's jsonpath for every Node: its name and InternalIPs, one Node a line. */
const NODE_ADDRESSES =
    '{range .items[*]}{.metadata.name}{range .status.addresses[?(@.type=="InternalIP")]}{" "}{.address}{end}{"\\n"}{end}';
/**
 * The same line for each watch event, after its type. A go-template: kubectl 1.35's watch ends
 * after its first object when a jsonpath holds a range (tried against a real kube-apiserver).
 */
const NODE_EVENT =
    '{{.type}} {{.object.metadata.name}}{{range .object.status.addresses}}{{if eq .type "InternalIP"}} {{.address}}{{end}}{{end}}{{"\\n"}}';

/**
 * The node-side script: `nfs-data start|stop|exports-refresh|exports-watch|release-watch NODE`.
 * `NFS_DATA_RUN` and `K3S` (defaults /run/nfs-data, /usr/local/bin/k3s) only move it for a test.
 * `datastore`: this node's k3s datastore is on a volume too (single server). After answering
 * `released` it waits until the drain has deleted its Node (marked so that k3s keeps the etcd
 * member the replacement reuses), then stops k3s and unmounts the datastore.
 */
export function nfsDataScript(nfs: NfsSpec, opts: { datastore?: boolean } = {}): string {
    const candidates = dataDeviceCandidates(nfs.volumeId).join(" ");
    return `#!/bin/sh
# NFS data volume: find, check, format once, mount, export; and release before detach.
set -eu
export_path=${nfs.exportPath}
run=\${NFS_DATA_RUN:-${RUN_DIR}}
kubectl() { "\${K3S:-/usr/local/bin/k3s}" kubectl --kubeconfig /etc/rancher/k3s/k3s.yaml "$@"; }
device() {
  for c in ${candidates}; do
    if [ -e "$c" ]; then readlink -f "$c"; return 0; fi
  done
  echo "nfs-data: none of the volume's device names exists: ${candidates}" >&2
  return 1
}
start() {
  dev=$(device)
${ext4OnceShell("nfs-data", "nfs-data")}  mkdir -p "$export_path" /run/nfs-data
  mountpoint -q "$export_path" || mount -t ext4 -o defaults,noatime "$dev" "$export_path"
  # Squashed root writes as ${SQUASH_ID}: it owns the root and the provisioner's namespace directories
  # (those made before root was squashed included).
  chown ${SQUASH_ID}:${SQUASH_ID} "$export_path"
  find "$export_path" -mindepth 1 -maxdepth 1 -type d ! -name lost+found -user 0 -exec chown ${SQUASH_ID}:${SQUASH_ID} {} +
  : > "$run/active"
  systemctl start nfs-server.service
  exports_refresh
  systemctl start --no-block nfs-data-exports.service
}
# The export list: one entry per Node address (InternalIP). Nothing is exported until the API has
# answered once; a list the API does not answer later (a restart, an etcd election, a server roll)
# keeps the current exports, so running pods' mounts never lose their server to an API blip.
exports_refresh() {
  [ -e "$run/active" ] || return 0
  listed=$(kubectl get nodes -o jsonpath='${NODE_ADDRESSES}' 2>/dev/null) || return 0
  printf '%s\\n' "$listed" | sed '/^$/d' | sort > "$run/nodes"
  ips=$(cut -s -d' ' -f2- "$run/nodes" | tr ' ' '\\n' | sort -u)
  line=""
  for ip in $ips; do line="$line $ip(${EXPORT_OPTIONS})"; done
  if [ -n "$line" ]; then echo "$export_path$line" > "$run/exports.new"; else : > "$run/exports.new"; fi
  if ! cmp -s "$run/exports.new" "$run/k3s-data.exports"; then
    mv "$run/exports.new" "$run/k3s-data.exports"
    exportfs -ra
  else
    rm -f "$run/exports.new"
  fi
}
# A Node that joins, changes its addresses or is deleted refreshes the list. Most events are
# status updates of a known Node with the same addresses: they cost no API call, so the watch
# stays cheap with hundreds of nodes. The watch ending restarts the unit.
exports_watch() {
  exports_refresh
  kubectl get nodes --watch --output-watch-events -o go-template='${NODE_EVENT}' | while read -r event node; do
    [ "$event" != DELETED ] && grep -qxF "$node" "$run/nodes" 2>/dev/null && continue
    exports_refresh
  done
  exit 1
}
stop() {
  rm -f "$run/active"
  systemctl stop nfs-data-exports.service || true
  : > "$run/k3s-data.exports"
  exportfs -ra || true
  # nfsd holds the filesystem until it stops; clients retry (hard mounts) until it is back.
  systemctl stop nfs-server.service
  if mountpoint -q "$export_path"; then umount "$export_path"; fi
  sync
}
release_watch() {
  node=$1
  kubectl wait --for=jsonpath='{.metadata.annotations.${RELEASE_ANNOTATION.replace(/\./g, "\\.")}}'=release "node/$node" --timeout=-1s
  systemctl stop nfs-data.service
  kubectl annotate --overwrite "node/$node" ${RELEASE_ANNOTATION}=released
${
    opts.datastore
        ? `  kubectl wait --for=delete "node/$node" --timeout=-1s
  systemctl stop k3s.service
  ${DATASTORE_SCRIPT} stop
`
        : ""
}}
case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  exports-refresh) exports_refresh ;;
  exports-watch) exports_watch ;;
  release-watch) release_watch "$2" ;;
  *) echo "usage: nfs-data start|stop|exports-refresh|exports-watch|release-watch NODE" >&2; exit 2 ;;
esac
`;
}

export function nfsDataFiles(nfs: NfsSpec, nodeName: string, opts: { datastore?: boolean } = {}): WriteFile[] {
    return [
        { path: SCRIPT, permissions: "0755", content: nfsDataScript(nfs, opts) },
        // nfs-utils reads /etc/exports.d only; the link points into /run (gone after a reboot).
        {
            path: "/etc/tmpfiles.d/nfs-data.conf",
            permissions: "0644",
            content:
                `d /run/nfs-data 0755 root root -\nf ${RUN_EXPORTS} 0644 root root -\n` +
                `L+ /etc/exports.d/k3s-data.exports - - - - ${RUN_EXPORTS}\n`,
        },
        {
            path: "/etc/systemd/system/nfs-data.path",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=Wait for the NFS data volume to be attached",
                "[Path]",
                ...dataDeviceCandidates(nfs.volumeId).map((c) => `PathExists=${c}`),
                "Unit=nfs-data.service",
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        },
        {
            path: "/etc/systemd/system/nfs-data.service",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=NFS data volume: format once, mount and export (stop: unexport and unmount)",
                "After=local-fs.target network-online.target",
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                `ExecStart=${SCRIPT} start`,
                `ExecStop=${SCRIPT} stop`,
                "",
            ].join("\n"),
        },
        {
            path: "/etc/systemd/system/nfs-data-exports.service",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=Export the NFS data volume to the cluster's nodes only (follows the Node objects)",
                "After=k3s.service nfs-data.service",
                "[Service]",
                `ExecStart=${SCRIPT} exports-watch`,
                // Until the API answers (or after a watch ends): try again, never busy-loop.
                "Restart=always",
                "RestartSec=15",
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        },
        {
            path: "/etc/systemd/system/nfs-data-release.service",
            permissions: "0644",
            content: [
                "[Unit]",
                "Description=Release the NFS data volume when the drain before this VM's replacement asks",
                "After=k3s.service nfs-data.service",
                "[Service]",
                `ExecStart=${SCRIPT} release-watch ${nodeName}`,
                // The API may not answer yet (or a watch ends): try again, never busy-loop.
                "Restart=on-failure",
                "RestartSec=15",
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        },
    ];
}
