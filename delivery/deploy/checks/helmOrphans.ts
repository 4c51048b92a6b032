/**
 * Before the cluster or apps layer is applied: Helm releases in the cluster that the stack's
 * state does not hold. A `pulumi up` killed while Helm installs a chart (Ctrl-C, a CI timeout)
 * leaves Helm's release record (Secret `sh.helm.release.v1.<release>.v<N>`, labels owner=helm,
 * name, status) in the cluster but no Release in the state; the next `up` tries to install
 * again and Helm refuses: "cannot re-use a name that is still in use". A killed upgrade leaves
 * a managed release `pending-upgrade`, and every later upgrade is refused ("another operation
 * is in progress"). Both are found here, before anything is applied, and refused with the
 * commands that recover each one.
 *
 * The releases a layer creates come from the synth (names and namespaces as the program sets
 * them), the managed ones from `pulumi stack export`, the records from the Kubernetes API
 * through the lifecycle client (infra/lifecycle/kubeApi.ts) with infra's admin kubeconfig.
 */
import type { SynthResource } from "../../synth/synth";
import type { StateResource } from "../pulumiCli";
import type { PreApplyCheck } from "./preApply";
import { KubeTarget, request } from "../../../infra/lifecycle/kubeApi";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** A Helm release the program declares, as the synth registers it. */
export interface PlannedRelease {
    readonly urn: string;
    /** The Pulumi resource name. */
    readonly resource: string;
    /** The Helm release name. */
    readonly release: string;
    readonly namespace: string;
    readonly parent?: string;
    readonly provider?: string;
}

/** The Releases among a synth's resources that name their Helm release (auto-named ones cannot be predicted). */
export function plannedReleases(resources: readonly SynthResource[]): PlannedRelease[] {
    return resources
        .filter((r) => r.type === RELEASE_TYPE && typeof r.inputs.name === "string" && r.inputs.name !== "")
        .map((r) => ({
            urn: r.urn,
            resource: r.name,
            release: r.inputs.name as string,
            namespace: typeof r.inputs.namespace === "string" && r.inputs.namespace !== "" ? r.inputs.namespace : "default",
            ...(r.parent ? { parent: r.parent } : {}),
            ...(r.provider ? { provider: r.provider.split("::").slice(0, 4).join("::") } : {}),
        }));
}

/** What the stack's state says about Helm releases. */
export interface ReleaseState {
    /** `<namespace>/<release>` of every Release the state holds. */
    readonly managed: ReadonlySet<string>;
    /** URNs of Releases whose create was interrupted (the export's pending operations). */
    readonly pendingCreates: ReadonlySet<string>;
}

interface ExportDoc {
    deployment?: { resources?: StateResource[]; pending_operations?: { type?: string; resource?: { urn?: string } }[] };
}

const key = (namespace: string, release: string) => `${namespace}/${release}`;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The Releases of a `pulumi stack export` document (an empty state holds none). */
export function releaseState(exported: string): ReleaseState {
    const doc = JSON.parse(exported.trim() || "{}") as ExportDoc;
    const managed = new Set<string>();
    for (const r of doc.deployment?.resources ?? []) {
        if (r.type !== RELEASE_TYPE) continue;
        const name = str(r.outputs?.name) ?? str(r.inputs?.name);
        const namespace = str(r.outputs?.namespace) ?? str(r.inputs?.namespace) ?? "default";
        if (name) managed.add(key(namespace, name));
    }
    const pendingCreates = new Set(
        (doc.deployment?.pending_operations ?? [])
            .filter((op) => op.type === "creating" && op.resource?.urn)
            .map((op) => op.resource!.urn!),
    );
    return { managed, pendingCreates };
}

/** One revision's record, from its Secret's labels (Helm keeps them in step with the record). */
export interface ReleaseRecord {
    readonly secret: string;
    readonly revision: number;
    readonly status: string;
}

interface SecretList {
    items?: { metadata?: { name?: string; labels?: Record<string, string> } }[];
}

/** The records of a Secret list (label selector owner=helm,name=<release>), newest revision first. */
export function recordsOf(list: SecretList): ReleaseRecord[] {
    return (list.items ?? [])
        .map((s) => ({
            secret: s.metadata?.name ?? "",
            revision: Number(s.metadata?.labels?.version ?? "0"),
            status: s.metadata?.labels?.status ?? "unknown",
        }))
        .filter((r) => r.secret !== "")
        .sort((a, b) => b.revision - a.revision);
}

export interface Finding {
    readonly release: PlannedRelease;
    /** `orphan`: in the cluster, not in the state; `stuck`: managed, but its newest revision is pending. */
    readonly kind: "orphan" | "stuck";
    readonly records: ReleaseRecord[];
}

/** Pure: which planned releases block the next `up`, given the state and each release's records. */
export function findings(
    planned: readonly PlannedRelease[],
    state: ReleaseState,
    records: ReadonlyMap<string, readonly ReleaseRecord[]>,
): Finding[] {
    const out: Finding[] = [];
    for (const p of planned) {
        const found = [...(records.get(key(p.namespace, p.release)) ?? [])].sort((a, b) => b.revision - a.revision);
        if (found.length === 0) continue;
        if (!state.managed.has(key(p.namespace, p.release))) out.push({ release: p, kind: "orphan", records: found });
        else if (found[0].status.startsWith("pending-")) out.push({ release: p, kind: "stuck", records: found });
    }
    return out;
}

const quote = (s: string) => `'${s}'`;

/** The refusal for one finding: what is there and the exact commands that recover it. */
export function recoveryText(stack: string, f: Finding, state: ReleaseState): string {
    const { release: p, records } = f;
    const newest = records[0];
    const id = `${p.namespace}/${p.release}`;
    const secrets = `kubectl delete secret -n ${p.namespace} -l owner=helm,name=${p.release}`;
    const uninstall = `helm uninstall ${p.release} -n ${p.namespace}`;
    if (f.kind === "stuck") {
        const deployed = records.find((r) => r.status === "deployed" || r.status === "superseded");
        return [
            `Helm release ${id} (${p.resource}) is ${newest.status} at revision ${newest.revision}: an upgrade ` +
                `was interrupted, and Helm refuses every further one while it is pending. Recover, then run up again:`,
            `    kubectl delete secret -n ${p.namespace} ${newest.secret}   # drops the interrupted revision; up ` +
                `upgrades from revision ${deployed?.revision ?? "the previous one"} again`,
            ...(deployed ? [`    or: helm rollback ${p.release} ${deployed.revision} -n ${p.namespace}`] : []),
        ].join("\n");
    }
    const adopt = state.pendingCreates.has(p.urn)
        ? `pulumi refresh --stack ${stack} --import-pending-creates ${quote(p.urn)} --import-pending-creates ${id}`
        : [
              `pulumi import --stack ${stack} ${RELEASE_TYPE} ${p.resource} ${id}`,
              ...(p.parent ? [`--parent ${quote(`parent=${p.parent}`)}`] : []),
              ...(p.provider ? [`--provider ${quote(`k8s=${p.provider}`)}`] : []),
              "--protect=false --yes",
          ].join(" ");
    const clear = state.pendingCreates.has(p.urn)
        ? `\n    then: pulumi refresh --stack ${stack} --clear-pending-creates   # drops the interrupted create from the state`
        : "";
    const history = records.map((r) => `v${r.revision} ${r.status}`).join(", ");
    const head =
        `Helm release ${id} (${p.resource}) exists in the cluster (${history}) but not in ${stack}'s state: ` +
        `an install was interrupted, and up would fail with "cannot re-use a name that is still in use". ` +
        `Recover, then run up again:`;
    if (newest.status === "deployed") {
        return [
            head,
            `  keep it (the install finished; up then upgrades it to the program's values):`,
            `    ${adopt}`,
            `  or remove it (its workloads go too):`,
            `    ${uninstall}${clear}`,
        ].join("\n");
    }
    return [
        head,
        `  remove it (the install did not finish; up installs it anew):`,
        `    ${uninstall}${clear}`,
        `  or, without helm, delete its records and then the objects the chart already made: ${secrets}`,
    ].join("\n");
}

/** The records of one release in one namespace, through the Kubernetes API. */
export async function listRecords(target: KubeTarget, namespace: string, release: string): Promise<ReleaseRecord[]> {
    const selector = encodeURIComponent(`owner=helm,name=${release}`);
    const res = await request(target, "GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?labelSelector=${selector}`);
    if (res.status === 404) return [];
    if (res.status !== 200) throw new Error(`listing Helm release records in ${namespace}: HTTP ${res.status}`);
    return recordsOf(JSON.parse(res.body) as SecretList);
}

export interface HelmOrphanDeps {
    /** The Helm releases the stack's program declares (from the synth). */
    readonly planned: (stack: string) => Promise<PlannedRelease[]>;
    /** `pulumi stack export` of the stack; undefined when it cannot be read. */
    readonly exported: (stack: string) => Promise<string | undefined>;
    /** Where the cluster's API is (infra's kubeconfig); undefined: no cluster yet, nothing to find. */
    readonly target: () => Promise<KubeTarget | undefined>;
    readonly list?: typeof listRecords;
    /** The infra stack whose kubeconfig helm/kubectl in the recovery use. */
    readonly infraStack?: string;
}

/** The pre-apply check for the layers that install Helm charts. */
export function helmOrphansCheck(deps: HelmOrphanDeps): PreApplyCheck {
    const list = deps.list ?? listRecords;
    return async (layer) => {
        if (layer.layer === "infra") return [];
        const planned = await deps.planned(layer.stack);
        if (planned.length === 0) return [];
        const target = await deps.target();
        if (!target) return [];
        const exported = await deps.exported(layer.stack);
        if (exported === undefined)
            return [`cannot read ${layer.stack}'s state (pulumi stack export) to compare its Helm releases with the cluster's`];
        const state = releaseState(exported);
        const records = new Map<string, ReleaseRecord[]>();
        try {
            for (const p of planned) records.set(key(p.namespace, p.release), await list(target, p.namespace, p.release));
        } catch (err) {
            return [
                `cannot list the cluster's Helm release records at ${target.server} ` +
                    `(${err instanceof Error ? err.message : String(err)}); up needs the API from here anyway (adminCidrs)`,
            ];
        }
        const found = findings(planned, state, records).map((f) => recoveryText(layer.stack, f, state));
        if (found.length === 0) return [];
        const kubeconfig =
            `pulumi stack output --stack ${deps.infraStack ?? "<env>-infra"} kubeconfig --show-secrets > ` +
            `kubeconfig.yaml && export KUBECONFIG=$PWD/kubeconfig.yaml`;
        return [
            ...found,
            `helm and kubectl above act on this cluster with infra's admin kubeconfig: ${kubeconfig} (delete the ` +
                `file afterwards). See docs/delivery.md, "Interrupted Helm installs".`,
        ];
    };
}
