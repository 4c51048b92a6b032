/**
 * The warnings the offline diff adds when a deployment revokes or re-grants a cluster-admin
 * group (infra `revokedAdminGroups`, read back from the servers' rendered user-data), or replaces
 * nodes while the deploy identity's group is revoked. What the plan's server replacements do not
 * say by themselves: which identity the `up` itself needs, and the one-time step by hand that
 * k3s leaves (it never deletes an applied object). Pure: reads the diff's changes and both synths.
 */
import { ACCESS_BINDINGS, AdminGroupKey, K3S_MANIFESTS_DIR, revokedGroupsOfUserData } from "../../infra/adminAccess";
import type { SynthResource, SynthResult } from "../synth/synth";
import type { ChangeFields } from "./changes";

const INSTANCE = "openstack:compute/instance:Instance";
const GUIDE = 'docs/security.md, "Revoking a group"';

type Change = ChangeFields<"after">;

const isServer = (r: SynthResource) =>
    !r.read && r.type === INSTANCE && (r.inputs.metadata as Record<string, string> | undefined)?.role === "server";

function userDataText(r: SynthResource): string | undefined {
    const value = r.inputs.userData as string | { "@secret"?: unknown } | undefined;
    const text = typeof value === "string" ? value : value?.["@secret"];
    return typeof text === "string" ? text : undefined;
}

/** The groups any server of a synth revokes (none for a stack that is not there). */
export function revokedGroups(result: SynthResult | undefined): Set<AdminGroupKey> {
    const out = new Set<AdminGroupKey>();
    for (const r of (result?.resources ?? []).filter(isServer)) {
        const text = userDataText(r);
        if (text) for (const g of revokedGroupsOfUserData(text)) out.add(g);
    }
    return out;
}

function binding(key: AdminGroupKey) {
    return ACCESS_BINDINGS.find((b) => b.key === key)!;
}

function revokedMessage(key: AdminGroupKey, servers: string): string {
    const b = binding(key);
    const head =
        `\`${b.group}\` is revoked (\`revokedAdminGroups\` lists \`${key}\`): ${servers}, each new one staging ` +
        `\`${b.name}.yaml.skip\` instead of the binding. k3s does not delete the binding it applied before: `;
    if (key === "deployers")
        return (
            head +
            `this \`up\` drains and waits for the nodes as that very group (the infra stack's kubeconfig), so run it while ` +
            `the binding still exists and delete it once afterwards through break-glass (on a server: ` +
            `\`sudo k3s kubectl delete clusterrolebinding ${b.name}\`). From then on CI, previews, the cluster and apps ` +
            `layers, \`npm run kubeconfig\` and every infra \`up\` that replaces a node fail until it is re-granted. ` +
            `A new cluster never gets the binding: its first \`up\` cannot finish (${GUIDE}).`
        );
    return (
        head +
        `delete it once after this \`up\` (\`kubectl delete clusterrolebinding ${b.name}\` with the infra stack's ` +
        `kubeconfig, or \`sudo k3s kubectl …\` on a server); from then on every personal certificate is refused (${GUIDE}).`
    );
}

function regrantedMessage(key: AdminGroupKey, servers: string, single: boolean): string {
    const b = binding(key);
    const manifest = `${K3S_MANIFESTS_DIR}/${b.name}.yaml`;
    const first =
        key === "deployers"
            ? `This \`up\` drains and waits for the nodes as that group, which has no binding while revoked: first ` +
              `re-create it through break-glass (on a server: \`sudo k3s kubectl create clusterrolebinding ${b.name} ` +
              `--clusterrole=cluster-admin --group=${b.group}\`), then run it. ` +
              `Every unexpired deploy certificate works again, a leaked one included.`
            : `${single ? "" : "The first new server's k3s applies the binding when it starts. "}Every ` +
              `unexpired personal certificate (at most 24 hours) works again.`;
    // A single server's manifests directory is on its datastore volume: the revocation's .skip outlives the VM.
    const datastore = single
        ? ` The single server keeps \`${manifest}.skip\` on its datastore volume and its k3s goes on skipping the manifest: ` +
          `once on that server, \`sudo rm ${manifest}.skip && sudo k3s kubectl apply -f ${manifest}\`.`
        : "";
    return (
        `\`${b.group}\` is granted again (\`revokedAdminGroups\` no longer ` +
        `lists \`${key}\`): ${servers}. ${first}${datastore} See ${GUIDE}.`
    );
}

export function adminAccessWarnings(changes: readonly Change[], base: SynthResult | undefined, head: SynthResult | undefined): string[] {
    const servers = (head?.resources ?? []).filter(isServer);
    if (servers.length === 0) return [];
    const before = revokedGroups(base);
    const after = revokedGroups(head);
    const replaced = changes.filter((c) => c.type === INSTANCE && c.kind === "replace" && c.after && isServer(c.after)).map((c) => c.name);
    const roll =
        replaced.length > 0
            ? `the servers are replaced one at a time (${replaced.length}: ${replaced.join(", ")})`
            : "no server is replaced in this plan";
    const out: string[] = [];
    for (const b of ACCESS_BINDINGS) {
        if (after.has(b.key) && !before.has(b.key)) out.push(revokedMessage(b.key, roll));
        if (before.has(b.key) && !after.has(b.key)) out.push(regrantedMessage(b.key, roll, servers.length === 1));
    }
    const nodesChanged = changes.filter((c) => c.type === INSTANCE && c.kind !== "update").map((c) => c.name);
    if (before.has("deployers") && after.has("deployers") && nodesChanged.length > 0) {
        out.push(
            `\`${binding("deployers").group}\` stays revoked and this plan replaces, creates or deletes nodes ` +
                `(${nodesChanged.join(", ")}): their drains and readiness checks run as that group and fail (after ` +
                `\`readinessTimeoutMinutes\`) while its binding is deleted: re-grant it first (${GUIDE}).`,
        );
    }
    return out;
}
