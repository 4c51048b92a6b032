/**
 * Storage for the cluster: OpenStack cloud controller manager and cinder-csi (RWO `cinder`,
 * the default class) authenticated by infra's application credential, and the Kubernetes CSI NFS
 * driver (RWX `nfs`) on infra's NFS export, whose data sits on a Cinder volume that outlives nodes.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CloudCredentials } from "../lib/contracts";
import type { ClusterConfig } from "./config";
import { helmRelease } from "./helm";
import { CLOUD_CONFIG_SECRET, cinderCsiValues, cloudConfAnnotations, cinderStorageClass, cloudConf, occmValues } from "./values/storage";
import { NFS_CLASS, nfsCsiValues, nfsStorageClass } from "./values/nfsCsi";
import { cinderSnapshotClass, snapshotControllerValues } from "./values/snapshots";
import { componentType } from "../lib/componentType";

export interface StorageArgs {
    readonly config: ClusterConfig;
    /** Application credential from the infra stack (secret). */
    readonly cloudCredentials: pulumi.Input<CloudCredentials>;
    /** NFS export from the infra stack. */
    readonly nfs: { readonly server: string; readonly path: string };
    /** Whether infra kept k3s' `local-path` StorageClass. */
    readonly localPathAvailable: boolean;
}

export class Storage extends pulumi.ComponentResource {
    /** Default RWO StorageClass name. */
    readonly rwoClass: string;
    readonly rwxClass: string;
    /** Resolves once both provisioners and their classes exist. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "Storage"), name, {}, opts);
        const cfg = args.config;
        const cinderIsDefault = cfg.defaultStorageClass === "cinder";
        if (!cinderIsDefault && !args.localPathAvailable) {
            throw new Error(
                `data-platform:defaultStorageClass = "local-path", but the infra stack disabled k3s' local-path storage ` +
                    `(localPathStorage: false); use "cinder" or enable local-path in the infra stack`,
            );
        }

        const conf = pulumi.output(args.cloudCredentials).apply((c) => cloudConf(c, { nodeVolumeAttachLimit: cfg.nodeVolumeAttachLimit }));
        const cloudConfig = new k8s.core.v1.Secret(
            `${name}-cloud-config`,
            {
                metadata: { name: CLOUD_CONFIG_SECRET, namespace: "kube-system" },
                type: "Opaque",
                stringData: pulumi.secret(conf.apply((c) => ({ "cloud.conf": c }))),
            },
            { parent: this },
        );
        // A checksum, not the file: shown in previews, so a rotation's restart is visible there.
        const annotations = pulumi.unsecret(conf.apply(cloudConfAnnotations));

        const occm = helmRelease(
            `${name}-occm`,
            "openstack-cloud-controller-manager",
            {
                chart: "openstack-cloud-controller-manager",
                pin: cfg.charts["openstack-cloud-controller-manager"],
                namespace: "kube-system",
                values: annotations.apply((a) => occmValues(cfg.images.cloudControllerManager, a)),
            },
            { parent: this, dependsOn: [cloudConfig] },
        );

        // cinder-csi's controller always runs the csi-snapshotter sidecar (the chart has no switch):
        // the snapshot CRDs and controller come first, or it logs errors for missing kinds forever.
        const snapshots = helmRelease(
            `${name}-snapshot-controller`,
            "snapshot-controller",
            {
                chart: "snapshot-controller",
                pin: cfg.charts["snapshot-controller"],
                namespace: "kube-system",
                values: snapshotControllerValues(cfg.images.snapshotController),
            },
            { parent: this },
        );

        const cinder = helmRelease(
            `${name}-cinder-csi`,
            "cinder-csi",
            {
                chart: "openstack-cinder-csi",
                pin: cfg.charts["openstack-cinder-csi"],
                namespace: "kube-system",
                values: annotations.apply((a) => cinderCsiValues(cfg.images.cinderCsiPlugin, a)),
            },
            { parent: this, dependsOn: [cloudConfig, occm, snapshots] },
        );

        const snapshotClass = new k8s.apiextensions.CustomResource(
            `${name}-cinder-snapshots`,
            { ...cinderSnapshotClass(cfg.protectData) },
            {
                parent: this,
                dependsOn: [snapshots, cinder],
                // Its deletion policy is immutable and its name fixed: a change replaces it, old one first.
                deleteBeforeReplace: true,
            },
        );

        const cinderClass = new k8s.storage.v1.StorageClass(
            `${name}-cinder`,
            cinderStorageClass({
                isDefault: cinderIsDefault,
                volumeType: cfg.cinderVolumeType,
                availabilityZone: cfg.volumeAvailabilityZone,
                protectData: cfg.protectData,
            }),
            // A class' parameters and reclaim policy are immutable and its name is fixed: a change
            // replaces it, old one first. Existing volumes keep the policy they were made with.
            { parent: this, dependsOn: [cinder], deleteBeforeReplace: true },
        );

        // k3s ships `local-path` as its default class. Node-local volumes vanish with an immutable
        // node's replacement, so it stays available but is only the default by explicit choice.
        const localPath = args.localPathAvailable
            ? new k8s.storage.v1.StorageClassPatch(
                  `${name}-local-path-default`,
                  {
                      metadata: {
                          name: "local-path",
                          annotations: {
                              "storageclass.kubernetes.io/is-default-class": String(!cinderIsDefault),
                              "pulumi.com/patchForce": "true",
                          },
                      },
                  },
                  { parent: this, dependsOn: [cinderClass] },
              )
            : undefined;

        // RWX: the CSI NFS driver, in kube-system beside cinder-csi (its pods are privileged, on the
        // host network). Same resource as the former provisioner's release: the move replaces it,
        // old release first, whose uninstall takes the chart-owned `nfs` class with it, so the
        // class below can take the name. Claims and their volumes are not chart objects: they stay.
        const nfs = helmRelease(
            `${name}-nfs`,
            "csi-driver-nfs",
            {
                chart: "csi-driver-nfs",
                pin: cfg.charts["csi-driver-nfs"],
                namespace: "kube-system",
                values: nfsCsiValues(cfg.images.nfsCsiPlugin),
            },
            { parent: this, deleteBeforeReplace: true },
        );
        const nfsClass = new k8s.storage.v1.StorageClass(`${name}-nfs-class`, nfsStorageClass(args.nfs), {
            parent: this,
            dependsOn: [nfs],
            // Parameters are immutable and the name fixed: a change replaces it, old one first.
            deleteBeforeReplace: true,
        });

        this.rwoClass = cinderIsDefault ? "cinder" : "local-path";
        this.rwxClass = NFS_CLASS;
        this.ready = [cinderClass, snapshotClass, ...(localPath ? [localPath] : []), nfsClass];
        this.registerOutputs({ rwoClass: this.rwoClass, rwxClass: this.rwxClass });
    }
}
