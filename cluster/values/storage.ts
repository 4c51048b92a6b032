/**
 * Values for the OpenStack storage charts (cloud controller manager, cinder-csi), the cloud.conf
 * they share and the `cinder` class. Pure functions. RWX (NFS) is in nfsCsi.ts.
 */
import type { CloudCredentials } from "../../lib/contracts";
import { checksumAnnotation } from "../../lib/kube/checksum";
import { resources, SIZES } from "../sizing";
import { repository, splitImage } from "./images";

/** Name of the kube-system Secret holding cloud.conf; both OpenStack charts mount it. */
export const CLOUD_CONFIG_SECRET = "cloud-config";
export const CINDER_PROVISIONER = "cinder.csi.openstack.org";

function iniValue(key: string, value: string): string {
    if (/[\r\n]/.test(value)) throw new Error(`cloud.conf: ${key} must be a single line`);
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** What cloud.conf says about block storage (besides the credential). */
export interface BlockStorageOptions {
    /** Volumes cinder-csi lets the scheduler put on one node (Cinder's own default is 256). */
    readonly nodeVolumeAttachLimit: number;
}

/**
 * cloud.conf for OCCM and cinder-csi, authenticating with the infra layer's application
 * credential. Octavia load balancers stay off: ingress reaches the nodes through k3s' ServiceLB.
 */
export function cloudConf(creds: CloudCredentials, block: BlockStorageOptions): string {
    const global: [string, string][] = [
        ["auth-url", creds.authUrl],
        ["region", creds.region],
        ["application-credential-id", creds.applicationCredentialId],
        ["application-credential-secret", creds.applicationCredentialSecret],
    ];
    for (const [key, value] of global) {
        if (!value) throw new Error(`cloud.conf: ${key} is empty; the infra stack's cloudCredentials output is incomplete`);
    }
    return [
        "[Global]",
        ...global.map(([k, v]) => `${k}=${iniValue(k, v)}`),
        "",
        "[LoadBalancer]",
        "enabled=false",
        "",
        "[BlockStorage]",
        // Nova and Cinder availability zones often differ on small clouds: a PV gets the zone of
        // the node it was made for, not the volume's Cinder zone (which may name no node at all);
        // where Cinder creates it is the StorageClass' `availability` (volumeAvailabilityZone).
        "ignore-volume-az=true",
        // A KVM guest has about 25 free PCI slots for virtio disks; above that attaching fails at
        // the hypervisor and the pod hangs in ContainerCreating instead of staying Pending.
        `node-volume-attach-limit=${block.nodeVolumeAttachLimit}`,
        "",
    ].join("\n");
}

/**
 * The host-network pods of the storage charts, the UID they run as (stated in their values, not
 * left to the charts' defaults) and whether they need the OpenStack metadata service, which the
 * infra layer's metadata guard keeps from every non-root host process.
 */
export const HOST_NETWORK_PODS = {
    // v1.35 looks instances up through the Nova API only; the chart runs it as 1001.
    "openstack-cloud-controller-manager": { uid: 1001, needsMetadata: false },
    // NodeGetInfo (instance ID, zone) and device paths come from the metadata service.
    "cinder-csi node plugin": { uid: 0, needsMetadata: true },
} as const;

/** Restarts OCCM and cinder-csi when cloud.conf changes (a rotated credential, a new attach limit). */
export function cloudConfAnnotations(conf: string): Record<string, string> {
    return checksumAnnotation("cloud-config", conf);
}

export function occmValues(image: string, podAnnotations: Record<string, string> = {}): Record<string, unknown> {
    const parts = splitImage(image);
    return {
        image: { repository: repository(image), tag: parts.tag },
        podAnnotations,
        secret: { enabled: true, create: false, name: CLOUD_CONFIG_SECRET },
        podSecurityContext: { runAsUser: HOST_NETWORK_PODS["openstack-cloud-controller-manager"].uid },
        // k3s labels servers "node-role.kubernetes.io/control-plane=true", not "".
        nodeSelector: { "node-role.kubernetes.io/control-plane": "true" },
        // Stated, not left to the chart's defaults: servers may carry the control-plane taint
        // (infra controlPlaneTaint), and new nodes wait for this controller to initialise them.
        tolerations: [
            { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
            { key: "node.cloudprovider.kubernetes.io/uninitialized", operator: "Equal", value: "true", effect: "NoSchedule" },
        ],
        // Only node controllers: "service" would compete with ServiceLB for LoadBalancer
        // Services, and "route" is for clouds without an overlay (k3s runs flannel).
        enabledControllers: ["cloud-node", "cloud-node-lifecycle"],
        resources: resources(SIZES.cloudControllerManager),
    };
}

export function cinderCsiValues(image: string, podAnnotations: Record<string, string> = {}): Record<string, unknown> {
    const parts = splitImage(image);
    const sidecar = { resources: resources(SIZES.cinderSidecar) };
    return {
        secret: { enabled: true, create: false, name: CLOUD_CONFIG_SECRET, filename: "cloud.conf" },
        // The layer creates its own `cinder` StorageClass (Retain, WaitForFirstConsumer).
        storageClass: { enabled: false },
        csi: {
            attacher: sidecar,
            provisioner: sidecar,
            snapshotter: sidecar,
            resizer: sidecar,
            livenessprobe: { resources: resources(SIZES.cinderLivenessProbe) },
            nodeDriverRegistrar: { resources: resources(SIZES.cinderNodeRegistrar) },
            plugin: {
                image: { repository: repository(image), tag: parts.tag },
                resources: resources(SIZES.cinderPlugin),
                // k3s keeps the kubelet's state under /var/lib/kubelet too, so the default holds.
                nodePlugin: {
                    kubeletDir: "/var/lib/kubelet",
                    podAnnotations,
                    podSecurityContext: { runAsUser: HOST_NETWORK_PODS["cinder-csi node plugin"].uid },
                },
                controllerPlugin: { podAnnotations },
            },
        },
        clusterID: "k3s",
    };
}

export interface CinderClassOptions {
    /** The default RWO class unless an environment opts into local-path. */
    readonly isDefault: boolean;
    /** Cinder volume type; the cloud's default when unset. */
    readonly volumeType?: string;
    /** Cinder availability zone volumes are created in; unset: the zone of the node that will mount it. */
    readonly availabilityZone?: string;
    /** The environment protects its data (`protectData`): keep a volume whose claim is deleted. */
    readonly protectData: boolean;
}

/** A StorageClass this layer creates (`cinder`, `nfs`). */
export interface StorageClassSpec {
    readonly metadata: { readonly name: string; readonly annotations: Record<string, string> };
    readonly provisioner: string;
    readonly reclaimPolicy: "Retain" | "Delete";
    readonly volumeBindingMode: "WaitForFirstConsumer" | "Immediate";
    readonly allowVolumeExpansion: boolean;
    readonly parameters?: Record<string, string>;
}

export function cinderStorageClass(o: CinderClassOptions): StorageClassSpec {
    const parameters: Record<string, string> = {
        ...(o.volumeType ? { type: o.volumeType } : {}),
        ...(o.availabilityZone ? { availability: o.availabilityZone } : {}),
    };
    return {
        metadata: {
            name: "cinder",
            annotations: { "storageclass.kubernetes.io/is-default-class": String(o.isDefault) },
        },
        provisioner: CINDER_PROVISIONER,
        // Protected data outlives its claim (releases, mistakes); unprotected (dev) volumes go with
        // their claims instead of piling up as orphaned Cinder volumes.
        reclaimPolicy: o.protectData ? "Retain" : "Delete",
        // Bind when the pod is scheduled, so the volume is made for the node (and its zone) that mounts it.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
    };
}
