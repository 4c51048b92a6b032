/**
 * Every persistent volume an environment asks for, found in the synth: Cinder volumes of the
 * infra layer, PersistentVolumeClaims, Strimzi node-pool storage, and the claim templates inside
 * Helm values (Prometheus, Alertmanager). Found by shape, so a new chart's claim is counted
 * without a list to keep up to date.
 */
import type { SynthResult } from "../synth/synth";
import { memoryMiB } from "../../lib/quantity";

export interface Volume {
    readonly layer: string;
    /** What holds the volume: a resource name, plus the values path for claims inside a chart. */
    readonly owner: string;
    readonly sizeGiB: number;
    /** Volumes of this size (one per replica). */
    readonly copies: number;
    /** Storage class, or `cinder volume` for the infra layer's own volumes. */
    readonly kind: string;
    /** Where the bytes live: its own Cinder volume, carved from the NFS export, or a node's disk. */
    readonly backing: "cinder" | "nfs export" | "node disk";
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === "object" && !Array.isArray(v);

function unwrap(v: unknown): unknown {
    return isTree(v) && "@secret" in v && Object.keys(v).length === 1 ? v["@secret"] : v;
}

const gib = (quantity: string) => Math.round((memoryMiB(quantity) / 1024) * 10) / 10;

interface FoundClaim {
    readonly path: string[];
    readonly spec: Tree;
    /** The nearest `replicas` above the claim (a Prometheus or StatefulSet spec): one claim each. */
    readonly replicas: number;
}

/** Claim specs (`{resources: {requests: {storage}}}`) anywhere under `value`, with their paths. */
function claimSpecs(value: unknown, path: string[], replicas: number, out: FoundClaim[]): void {
    const v = unwrap(value);
    if (Array.isArray(v)) {
        v.forEach((item, i) => claimSpecs(item, [...path, String(i)], replicas, out));
        return;
    }
    if (!isTree(v)) return;
    const storage = (v.resources as Tree | undefined)?.requests as Tree | undefined;
    if (typeof storage?.storage === "string" && ("accessModes" in v || "storageClassName" in v)) {
        out.push({ path, spec: v, replicas });
        return;
    }
    const here = typeof v.replicas === "number" && Number.isInteger(v.replicas) ? v.replicas : replicas;
    for (const [key, child] of Object.entries(v)) claimSpecs(child, [...path, key], here, out);
}

/**
 * @param classes the cluster layer's storage classes: claims of the `rwx` class are directories
 *   of the NFS export, `local-path` claims live on a node's disk; the rest are Cinder volumes.
 */
export function findVolumes(layers: readonly SynthResult[], classes: { rwx?: string } = {}): Volume[] {
    const backing = (kind: string): Volume["backing"] =>
        kind === classes.rwx ? "nfs export" : kind === "local-path" ? "node disk" : "cinder";
    const volumes: Volume[] = [];
    for (const layer of layers) {
        const name = layer.stack;
        for (const r of layer.resources) {
            const inputs = r.inputs as Tree;
            if (r.type === "openstack:blockstorage/volume:Volume") {
                volumes.push({
                    layer: name,
                    owner: String(inputs.name ?? r.name),
                    sizeGiB: Number(inputs.size),
                    copies: 1,
                    kind: "cinder volume",
                    backing: "cinder",
                });
            } else if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") {
                const spec = inputs.spec as Tree;
                const meta = inputs.metadata as Tree;
                const size = ((spec.resources as Tree).requests as Tree).storage as string;
                const kind = String(spec.storageClassName ?? "default");
                volumes.push({
                    layer: name,
                    owner: `${meta.namespace}/${meta.name}`,
                    sizeGiB: gib(size),
                    copies: 1,
                    kind,
                    backing: backing(kind),
                });
            } else if (r.type === "kubernetes:kafka.strimzi.io/v1:KafkaNodePool") {
                const spec = inputs.spec as Tree;
                const storage = spec.storage as Tree;
                for (const v of (storage.volumes as Tree[] | undefined) ?? [storage]) {
                    if (typeof v.size !== "string") continue;
                    const kind = String(v.class ?? "default");
                    const owner = `kafka ${(inputs.metadata as Tree).name} volume ${String(v.id ?? 0)}`;
                    volumes.push({
                        layer: name,
                        owner,
                        sizeGiB: gib(v.size),
                        copies: Number(spec.replicas ?? 1),
                        kind,
                        backing: backing(kind),
                    });
                }
            } else if (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:apps/v1:StatefulSet") {
                const found: FoundClaim[] = [];
                claimSpecs(r.type === "kubernetes:helm.sh/v3:Release" ? inputs.values : inputs.spec, [], 1, found);
                for (const { path, spec, replicas } of found) {
                    const size = ((spec.resources as Tree).requests as Tree).storage as string;
                    const kind = String(spec.storageClassName ?? "default");
                    // The top-level values key names the component (prometheus, alertmanager...).
                    volumes.push({
                        layer: name,
                        owner: `${r.name} (${path[0] ?? "claim"})`,
                        sizeGiB: gib(size),
                        copies: replicas,
                        kind,
                        backing: backing(kind),
                    });
                }
            }
        }
    }
    return volumes;
}
