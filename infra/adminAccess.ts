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
 * a `<file>.skip` beside it; docs/security.md). A group listed in the infra key
 * `revokedAdminGroups` gets the `.skip` instead of its manifest on every server, so a replaced
 * or new server cannot bring the binding back. Pure rendering.
 */
import { parse, stringify } from "yaml";
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

/** How the infra key `revokedAdminGroups` names the groups. */
export const ADMIN_GROUP_KEYS = ["deployers", "admins"] as const;
export type AdminGroupKey = (typeof ADMIN_GROUP_KEYS)[number];

export interface AccessBinding {
    readonly key: AdminGroupKey;
    /** The ClusterRoleBinding's name, also the manifest's file name (k3s' AddOn name: no `_`). */
    readonly name: string;
    readonly group: string;
}

export const ACCESS_BINDINGS: readonly AccessBinding[] = [
    { key: "deployers", name: "platform-deployers", group: DEPLOYERS_GROUP },
    { key: "admins", name: "platform-admins", group: ADMINS_GROUP },
];

/**
 * The text of a revocation's `.skip`. k3s only checks that the file exists; the text tells
 * whoever finds it on a server where it came from.
 */
export const SKIP_MARKER = "# data-platform:revokedAdminGroups lists this group: k3s skips the manifest of this name (docs/security.md)\n";

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

const revokedIn = (revoked: readonly AdminGroupKey[]) => ACCESS_BINDINGS.filter((b) => revoked.includes(b.key));

/**
 * The staged files for a server's write_files (root-only: nothing else on the node needs them):
 * a granted group's manifest, a revoked group's `.skip` and no manifest.
 */
export function accessManifestFiles(revoked: readonly AdminGroupKey[] = []): WriteFile[] {
    return ACCESS_BINDINGS.map((b) => ({
        ...(revoked.includes(b.key)
            ? { path: `${MANIFEST_STAGING_DIR}/${b.name}.yaml.skip`, content: SKIP_MARKER }
            : { path: `${MANIFEST_STAGING_DIR}/${b.name}.yaml`, content: stringify(accessBinding(b)) }),
        permissions: "0600",
        owner: "root:root",
    }));
}

/**
 * Moves the staged files in once k3s' server directory is final. A `.skip` already there (a
 * single server's reused datastore after a revocation) stays, so the revocation holds. With
 * nothing revoked the command is the one servers ran before `revokedAdminGroups` existed, so
 * adding the key changes no server. A revoked group's manifest left by an earlier deployment on
 * a reused datastore is removed: no manifest of it stays on the node for a deleted `.skip` to
 * bring back. Running it again changes nothing.
 */
export function installManifestsCommand(revoked: readonly AdminGroupKey[] = []): string {
    const gone = revokedIn(revoked).map((b) => manifestPath(b));
    if (gone.length === 0)
        return (
            `mkdir -p ${K3S_MANIFESTS_DIR} && cp -p ${MANIFEST_STAGING_DIR}/*.yaml ` +
            `${K3S_MANIFESTS_DIR}/ && rm -rf ${MANIFEST_STAGING_DIR}`
        );
    return (
        `mkdir -p ${K3S_MANIFESTS_DIR} && cp -p ${MANIFEST_STAGING_DIR}/* ` +
        `${K3S_MANIFESTS_DIR}/ && rm -f ${gone.join(" ")} && rm -rf ${MANIFEST_STAGING_DIR}`
    );
}

/**
 * The groups a server's rendered user-data revokes (stages a `.skip` for), read back from the
 * `#cloud-config`: what the offline diff compares between two deployments.
 */
export function revokedGroupsOfUserData(userData: string): AdminGroupKey[] {
    const doc = parse(userData.replace(/^#cloud-config\n/, "")) as { write_files?: { path?: unknown }[] } | null;
    const paths = new Set((doc?.write_files ?? []).map((f) => f.path));
    return ACCESS_BINDINGS.filter((b) => paths.has(`${MANIFEST_STAGING_DIR}/${b.name}.yaml.skip`)).map((b) => b.key);
}
