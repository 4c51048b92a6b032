/**
 * Volume snapshots for Cinder: the external-snapshotter's CRDs and snapshot-controller (the
 * piraeus `snapshot-controller` chart, which ships both as ordinary templates, so a chart
 * upgrade upgrades the CRDs too) and a VolumeSnapshotClass for the cinder-csi driver, whose
 * controller already runs the csi-snapshotter sidecar. Pure.
 */
import { resources, SIZES } from "../sizing";
import { repository, splitImage } from "./images";
import { CINDER_PROVISIONER } from "./storage";

export const SNAPSHOT_API = "snapshot.storage.k8s.io/v1";
export const SNAPSHOT_CLASS = "cinder";

export function snapshotControllerValues(image: string): Record<string, unknown> {
    const parts = splitImage(image);
    return {
        installCRDs: true,
        controller: {
            enabled: true,
            replicaCount: 1,
            image: { repository: repository(image), tag: parts.tag },
            resources: resources(SIZES.snapshotController),
        },
        // The conversion webhook only converts from API versions this cluster never stored.
        webhook: { enabled: false },
        // The class is a separate object: Helm cannot map a kind whose CRD the same release installs.
        volumeSnapshotClasses: [],
    };
}

export interface SnapshotClassSpec {
    readonly apiVersion: typeof SNAPSHOT_API;
    readonly kind: "VolumeSnapshotClass";
    readonly metadata: { readonly name: string; readonly annotations: Record<string, string> };
    readonly driver: string;
    readonly deletionPolicy: "Retain" | "Delete";
    readonly parameters: Record<string, string>;
}

/**
 * The default class for Cinder snapshots. `force-create`: the platform's volumes are always
 * attached, and Cinder refuses to snapshot an in-use volume without it (the snapshot is
 * crash-consistent, like pulling the plug). A protected environment keeps the Cinder snapshot
 * when its VolumeSnapshot is deleted.
 */
export function cinderSnapshotClass(protectData: boolean): SnapshotClassSpec {
    return {
        apiVersion: SNAPSHOT_API,
        kind: "VolumeSnapshotClass",
        metadata: { name: SNAPSHOT_CLASS, annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } },
        driver: CINDER_PROVISIONER,
        deletionPolicy: protectData ? "Retain" : "Delete",
        parameters: { "force-create": "true" },
    };
}
