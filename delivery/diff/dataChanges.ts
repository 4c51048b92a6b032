/**
 * Irreversible changes to data and its schemas: Kafka partitions and versions, PostgreSQL and
 * Airflow downgrades, volumes made smaller (kinds: irreversibleKinds.ts).
 */
import type { Irreversible, ResourceView } from "./irreversibleKinds";
import { byKey, lower, metaName, num, obj, str } from "./resourceInputs";
import { splitImage } from "../release/versions";

export function kafkaPartitions(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const topics = (rs: readonly ResourceView[]) =>
        byKey(rs, (r) => (/^kubernetes:kafka\.strimzi\.io\/v\w+:KafkaTopic$/.test(r.type) ? metaName(r) : undefined));
    const was = topics(before);
    const out: Irreversible[] = [];
    for (const [name, t] of topics(after)) {
        const a = num(obj(was.get(name)?.inputs.spec).partitions);
        const b = num(obj(t.inputs.spec).partitions);
        if (a !== undefined && b !== undefined && b < a) {
            out.push({
                kind: "kafka-partitions-decrease",
                stack,
                message:
                    `topic ${name}: partitions ${a} → ${b}. Kafka cannot remove partitions (the operator reports the ` +
                    `topic NotReady and keeps ${a}); lowering needs a new topic and a migration of its data.`,
            });
        }
    }
    return out;
}

/** Images of workloads by `<resource> <container>`. */
export function containerImages(resources: readonly ResourceView[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        if (!/^kubernetes:(apps|batch)\/v1:/.test(r.type)) continue;
        const spec = obj(r.inputs.spec);
        const pod = obj(obj(spec.template ?? obj(obj(spec.jobTemplate).spec).template).spec);
        for (const c of [
            ...(Array.isArray(pod.containers) ? pod.containers : []),
            ...(Array.isArray(pod.initContainers) ? pod.initContainers : []),
        ]) {
            const image = str(obj(c).image);
            if (image) out.set(`${r.name} ${str(obj(c).name) ?? "?"}`, image);
        }
    }
    return out;
}

export function postgresDowngrades(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const was = containerImages(before);
    const out: Irreversible[] = [];
    for (const [where, image] of containerImages(after)) {
        const old = was.get(where);
        const { repository, tag } = splitImage(image);
        if (!old || !/(^|\/)postgres(ql)?$/.test(repository) || splitImage(old).repository !== repository) continue;
        if (lower(splitImage(old).tag, tag)) {
            out.push({
                kind: "postgres-downgrade",
                stack,
                message:
                    `${where.split(" ")[0]}: ${old} → ${image}. An older PostgreSQL does not open a newer major's data ` +
                    `directory (and a minor downgrade skips its fixes); restore a dump into the older version instead.`,
            });
        }
    }
    return out;
}

export function helmReleases(resources: readonly ResourceView[]): Map<string, ResourceView> {
    return byKey(resources, (r) =>
        /^kubernetes:helm\.sh\/v\d+:(Release|Chart)$/.test(r.type) ? str(r.inputs.chart)?.split("/").pop() : undefined,
    );
}

export function airflowDowngrades(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const a = helmReleases(before).get("airflow");
    const b = helmReleases(after).get("airflow");
    if (!a || !b) return [];
    const pick = (r: ResourceView, path: string[]) => path.reduce<unknown>((v, k) => obj(v)[k], r.inputs);
    const down: string[] = [];
    for (const path of [
        ["version"],
        ["values", "airflowVersion"],
        ["values", "defaultAirflowTag"],
        ["values", "images", "airflow", "tag"],
    ]) {
        const va = pick(a, path);
        const vb = pick(b, path);
        if (
            (typeof va === "string" || typeof va === "number") &&
            (typeof vb === "string" || typeof vb === "number") &&
            lower(String(va), String(vb))
        )
            down.push(`${path.join(".")} ${String(va)} → ${String(vb)}`);
    }
    return down.length === 0
        ? []
        : [
              {
                  kind: "airflow-downgrade",
                  stack,
                  message:
                      `Airflow goes back (${down.join(", ")}): its metadata database was migrated forward and the older ` +
                      `Airflow does not run on it; restore the pre-upgrade metadata dump with the old image, or roll forward.`,
              },
          ];
}

/** Storage sizes in bytes (`10Gi`) or GB (OpenStack volume `size`). */
export function bytes(v: unknown): number | undefined {
    if (typeof v === "number") return v * 1e9;
    const m = typeof v === "string" ? /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(v) : null;
    return m ? Number(m[1]) * 1024 ** ["", "Ki", "Mi", "Gi", "Ti"].indexOf(m[2] ?? "") : undefined;
}

export function volumeSizes(resources: readonly ResourceView[]): Map<string, { size: unknown; what: string }> {
    const out = new Map<string, { size: unknown; what: string }>();
    for (const r of resources) {
        if (r.type === "kubernetes:core/v1:PersistentVolumeClaim")
            out.set(`pvc ${metaName(r)}`, { size: obj(obj(obj(r.inputs.spec).resources).requests).storage, what: `PVC ${metaName(r)}` });
        if (/KafkaNodePool$/.test(r.type)) {
            const vols = obj(obj(r.inputs.spec).storage).volumes;
            (Array.isArray(vols) ? vols : []).forEach((v, i) =>
                out.set(`kafka ${metaName(r)} ${i}`, { size: obj(v).size, what: `Kafka node pool ${metaName(r)} volume ${i}` }),
            );
        }
        if (r.type === "openstack:blockstorage/volume:Volume")
            out.set(`volume ${r.name}`, { size: r.inputs.size, what: `Cinder volume ${r.name}` });
    }
    return out;
}

export function volumeShrinks(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const was = volumeSizes(before);
    const out: Irreversible[] = [];
    for (const [k, v] of volumeSizes(after)) {
        const old = was.get(k);
        const a = old ? bytes(old.size) : undefined;
        const b = bytes(v.size);
        if (a !== undefined && b !== undefined && b < a)
            out.push({
                kind: "volume-shrink",
                stack,
                message:
                    `${v.what}: ${String(old!.size)} → ${String(v.size)}. Volumes only grow: the API refuses the smaller ` +
                    `size, and replacing the volume loses its data.`,
            });
    }
    return out;
}
