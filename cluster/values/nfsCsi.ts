/**
 * RWX storage on infra's NFS export through the Kubernetes CSI NFS driver (chart csi-driver-nfs):
 * the chart's values and the `nfs` StorageClass. Pure functions.
 *
 * The class keeps what claims saw under the former provisioner (nfs-subdir-external-provisioner,
 * class `nfs`, path pattern `${.PVC.namespace}/${.PVC.name}`, directories mode 0777, Retain): the
 * same name, the same `<namespace>/<claim>` directory for a claim, writable by pods of any UID.
 * Volumes that provisioner made stay what they are: PersistentVolumes with an in-tree `nfs`
 * source, bound to their claims, mounted by the kubelet with no provisioner involved (docs/cluster.md).
 */
import { resources, SIZES } from "../sizing";
import { repository, splitImage } from "./images";
import type { StorageClassSpec } from "./storage";

/** The CSI driver's name: the `provisioner` of the classes it serves. */
export const NFS_CSI_DRIVER = "nfs.csi.k8s.io";
export const NFS_CLASS = "nfs";
/** The export's directory for a claim, in the driver's `subDir` syntax. */
export const NFS_SUBDIR = "${pvc.metadata.namespace}/${pvc.metadata.name}";

/** infra's NFS export (the infra stack's `nfs` output). */
export interface NfsExport {
    readonly server: string;
    readonly path: string;
}

function checkedExport(nfs: NfsExport): NfsExport {
    if (!nfs.server || !nfs.path.startsWith("/")) {
        throw new Error(`nfs export ${JSON.stringify(nfs)} from the infra stack needs a server and an absolute path`);
    }
    return nfs;
}

export function nfsCsiValues(image: string): Record<string, unknown> {
    const parts = splitImage(image);
    const probe = resources(SIZES.nfsCsiProbe);
    return {
        image: { nfs: { repository: repository(image), tag: parts.tag } },
        // Off: the kubelet would chown every claim to a pod's fsGroup on each mount, which the
        // root-squashed export refuses (a failed mount); the in-tree NFS volumes never did it.
        feature: { enableFSGroupPolicy: false },
        // k3s keeps the kubelet's state under /var/lib/kubelet too, so the default holds.
        kubeletDir: "/var/lib/kubelet",
        controller: {
            replicas: 1,
            // NFS snapshots are tarballs of a whole directory; nothing here asks for them.
            enableSnapshotter: false,
            // A volume without an onDelete of its own keeps its directory when deleted.
            defaultOnDeletePolicy: "retain",
            resources: {
                nfs: resources(SIZES.nfsCsiPlugin),
                csiProvisioner: resources(SIZES.nfsCsiSidecar),
                csiResizer: resources(SIZES.nfsCsiSidecar),
                livenessProbe: probe,
            },
        },
        node: { resources: { nfs: resources(SIZES.nfsCsiPlugin), nodeDriverRegistrar: probe, livenessProbe: probe } },
        // The layer's own snapshot-controller serves the cluster (cluster/values/snapshots.ts).
        externalSnapshotter: { enabled: false },
        // The layer creates the class itself (nfsStorageClass), so replacing it never needs the chart.
        storageClass: { create: false },
    };
}

/** The `nfs` StorageClass (ReadWriteMany) on infra's export. */
export function nfsStorageClass(nfs: NfsExport): StorageClassSpec {
    const { server, path } = checkedExport(nfs);
    return {
        metadata: { name: NFS_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "false" } },
        provisioner: NFS_CSI_DRIVER,
        parameters: {
            server,
            share: path,
            subDir: NFS_SUBDIR,
            // Root is squashed on the export: claim directories belong to 65534, and pods of other
            // UIDs (Airflow's 50000) write there only because the directory is 0777, as before.
            mountPermissions: "0777",
            // Never removes a claim's directory, even for a PV whose policy someone set to Delete.
            onDelete: "retain",
        },
        // Its claims are directories on infra's one NFS volume, not volumes of their own: kept.
        reclaimPolicy: "Retain",
        volumeBindingMode: "Immediate",
        allowVolumeExpansion: true,
    };
}
