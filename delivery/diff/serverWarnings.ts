/**
 * Warnings the offline diff adds when the plan replaces the only k3s server of a stack: the
 * control plane goes down with it, and what survives depends on where its datastore lives.
 * Pure: reads the diff's changes and the head's synth.
 */
import type { SynthResource, SynthResult } from "../synth/synth";
import type { ChangeFields } from "./changes";

const INSTANCE = "openstack:compute/instance:Instance";
const VOLUME = "openstack:blockstorage/volume:Volume";

type Change = ChangeFields<"why">;

const role = (r: SynthResource | undefined) => (r?.inputs.metadata as Record<string, string> | undefined)?.role;
const volumeName = (r: SynthResource) => String(r.inputs.name ?? r.name);

export function onlyServerWarnings(changes: readonly Change[], head: SynthResult | undefined): string[] {
    const servers = (head?.resources ?? []).filter((r) => !r.read && r.type === INSTANCE && role(r) === "server");
    if (servers.length !== 1) return [];
    const server = servers[0];
    const replaced = changes.find((c) => c.type === INSTANCE && c.name === server.name && c.kind === "replace");
    if (!replaced) return [];
    const datastore = (head?.resources ?? []).find((r) => r.type === VOLUME && /-datastore$/.test(volumeName(r)));
    const datastoreChange = datastore && changes.find((c) => c.type === VOLUME && c.name === datastore.name);
    const nfs = (head?.resources ?? []).find((r) => r.type === VOLUME && /-nfs-data$/.test(volumeName(r)));
    const head1 =
        `\`${server.name}\` is the only server and is replaced (why: ` +
        `${replaced.why.join(", ") || "provider"}): the API, scheduling and ingress are down from its drain ` +
        `until the new VM is Ready.`;
    if (!datastore || (datastoreChange && datastoreChange.kind !== "update")) {
        const volume = datastore ? ` (volume \`${volumeName(datastore)}\` is ${datastoreChange!.kind}d)` : " (no datastore volume)";
        return [
            `${head1} Its etcd datastore is NOT kept${volume}: the ` +
                `new server starts an empty control plane and every Kubernetes object of the cluster and apps layers ` +
                `is lost, while their stacks still list them. Restore the latest etcd snapshot afterwards ` +
                `(docs/security.md, "Restore etcd").`,
        ];
    }
    return [
        `${head1} Survives: the etcd datastore on volume \`${volumeName(datastore)}\` ` +
            `(every Kubernetes object; the cluster and apps stacks need no change)` +
            `${nfs ? `, the NFS volume \`${volumeName(nfs)}\` (RWX data)` : ""}, Cinder-backed ` +
            `PersistentVolumes. Lost: data of node-local (\`local-path\`) and \`emptyDir\` volumes on that node; ` +
            `every pod on it is restarted.`,
    ];
}
