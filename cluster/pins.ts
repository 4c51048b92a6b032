/**
 * What the cluster layer installs, pinned: charts with their repositories and versions, the main
 * images, and the Kafka versions the pinned Strimzi supports. Config may override a pin
 * (`chartVersions`, `images`: cluster/config.ts); these are the versions the code was tested against.
 */

/** Charts the layer installs, with the versions this code was written and tested against. */
export const DEFAULT_CHARTS = {
    "ingress-nginx": { repo: "https://kubernetes.github.io/ingress-nginx", version: "4.15.1" },
    "kube-prometheus-stack": { repo: "https://prometheus-community.github.io/helm-charts", version: "88.5.3" },
    // Strimzi publishes its chart as an OCI artifact; its HTTP chart repository is deprecated.
    "strimzi-kafka-operator": { repo: "oci://quay.io/strimzi-helm", version: "1.2.0" },
    "openstack-cloud-controller-manager": { repo: "https://kubernetes.github.io/cloud-provider-openstack", version: "2.35.0" },
    "openstack-cinder-csi": { repo: "https://kubernetes.github.io/cloud-provider-openstack", version: "2.35.0" },
    // The Kubernetes CSI NFS driver (RWX); its chart repository is the driver's own source repository.
    "csi-driver-nfs": { repo: "https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts", version: "4.13.4" },
    // The external-snapshotter's CRDs and controller (v8.6.0) for cinder-csi's csi-snapshotter sidecar.
    "snapshot-controller": { repo: "https://piraeus.io/helm-charts/", version: "5.2.0" },
    // jetstack's chart versions carry the "v" of the release tag.
    "cert-manager": { repo: "https://charts.jetstack.io", version: "v1.21.1" },
} as const;

export type ChartName = keyof typeof DEFAULT_CHARTS;
export const CHART_NAMES = Object.keys(DEFAULT_CHARTS) as ChartName[];

/** Main images, pinned beside their charts (the chart pins the rest). */
export const DEFAULT_IMAGES = {
    ingressController: "registry.k8s.io/ingress-nginx/controller:v1.15.1",
    cloudControllerManager: "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.35.0",
    cinderCsiPlugin: "registry.k8s.io/provider-os/cinder-csi-plugin:v1.35.0",
    // The driver's plugin; chart 4.13.4 pins its sidecars (csi-provisioner v6.3.0, csi-resizer v2.2.0,
    // livenessprobe v2.19.0, csi-node-driver-registrar v2.17.0).
    nfsCsiPlugin: "registry.k8s.io/sig-storage/nfsplugin:v4.13.4",
    snapshotController: "registry.k8s.io/sig-storage/snapshot-controller:v8.6.0",
    strimziOperator: "quay.io/strimzi/operator:1.2.0",
    // The other cert-manager components (webhook, cainjector, acmesolver, startupapicheck) use the same tag.
    certManagerController: "quay.io/jetstack/cert-manager-controller:v1.21.1",
} as const;

export type ImageName = keyof typeof DEFAULT_IMAGES;

/** Kafka versions the pinned Strimzi release (1.2.0) supports. */
export const STRIMZI_KAFKA_VERSIONS = ["4.2.0", "4.2.1", "4.3.0", "4.3.1"] as const;

export interface ChartPin {
    readonly repo: string;
    readonly version: string;
}
