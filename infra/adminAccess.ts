/**
 * Who is cluster-admin, in a form RBAC can take back. Kubernetes grants `system:masters` every
 * permission without asking RBAC, so a certificate in that group can only be stopped by its
 * expiry or a new client CA. Instead, two ordinary groups are bound to `cluster-admin`:
 *
 *   data-platform:deployers  the deploy identity in the infra stack's kubeconfig (CI, previews,
 *                            the Pulumi providers, the readiness gate and drains; infra/pki.ts)
 *   data-platform:admins     people, with certificates of a few hours issued per use through
 *                            the CSR API (`npm run kubeconfig`, delivery/access/adminKubeconfig.ts)
 *
 * Deleting a binding revokes every certificate of its group at once. The bindings must exist
 * before anything connects, so they are not Pulumi resources: each server's user-data writes
 * them as k3s auto-deploy manifests (one file per group, so each can be switched off alone with
 * a `<file>.skip` beside it; docs/security.md). Pure rendering.
 */
import { stringify } from "yaml";
import type { WriteFile } from "./writeFile";

export const DEPLOYERS_GROUP = "data-platform:deployers";
export const ADMINS_GROUP = "data-platform:admins";

/** k3s applies every file here on start and when one changes (under k3s' server directory). */
export const K3S_MANIFESTS_DIR = "/var/lib/rancher/k3s/server/manifests";
/**
 * Staged like the CAs (cloudinit.ts): a datastore volume is mounted over k3s' server directory
 * after write_files ran, and would hide a file written there directly.
 */
export const MANIFEST_STAGING_DIR = "/run/k3s-access-manifests";

export interface AccessBinding {
    /** The ClusterRoleBinding's name, also the manifest's file name (k3s' AddOn name: no `_`). */
    readonly name: string;
    readonly group: string;
}

export const ACCESS_BINDINGS: readonly AccessBinding[] = [
    { name: "platform-deployers", group: DEPLOYERS_GROUP },
    { name: "platform-admins", group: ADMINS_GROUP },
];

/** The ClusterRoleBinding of one group to cluster-admin. */
export function accessBinding(binding: AccessBinding): Record<string, unknown> {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: binding.name, labels: { "app.kubernetes.io/part-of": "data-platform-access" } },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: binding.group }],
    };
}

/** Where k3s reads a binding's manifest. */
export function manifestPath(binding: AccessBinding): string {
    return `${K3S_MANIFESTS_DIR}/${binding.name}.yaml`;
}

/** The staged manifests for a server's write_files (root-only: nothing else on the node needs them). */
export function accessManifestFiles(): WriteFile[] {
    return ACCESS_BINDINGS.map((b) => ({
        path: `${MANIFEST_STAGING_DIR}/${b.name}.yaml`,
        content: stringify(accessBinding(b)),
        permissions: "0600",
        owner: "root:root",
    }));
}

/**
 * Moves the staged manifests in once k3s' server directory is final. A `.skip` already there
 * (a single server's reused datastore after a revocation) stays, so the revocation holds.
 */
export function installManifestsCommand(): string {
    return `mkdir -p ${K3S_MANIFESTS_DIR} && cp -p ${MANIFEST_STAGING_DIR}/*.yaml ${K3S_MANIFESTS_DIR}/ && rm -rf ${MANIFEST_STAGING_DIR}`;
}
