/**
 * Schema rollbacks: a workload's database schema only goes forward, so a rollback that would run
 * an older schema version (a marker going down, an Airflow release going back, or without a
 * marker a backend image going back) is refused.
 */
import type { SynthResource, SynthResult } from "../synth/synth";
import { formatPath, Segment } from "../diff/paths";
import { chartName } from "./stateful";
import { SCHEMA_POLICY } from "../../lib/contracts";
import { compareNumbers, parseTagVersion, splitImage } from "../release/versions";
import type { Blocker } from "./blockers";

/**
 * The schema marker apps expose: a label or annotation on the workload (or its pod template),
 * or a key of that name in Helm values, whose value is the schema (migration) version the
 * workload's code runs against, e.g. `data-platform.io/schema-version: "7"`.
 */
export const SCHEMA_MARKER = "data-platform.io/schema-version";
const SCHEMA_KEYS = new Set([SCHEMA_MARKER, "schemaVersion"]);
/**
 * A workload whose migrations are expand-only (an older version runs on the newer schema, see
 * docs/apps.md) says so with the SCHEMA_POLICY annotation; its image may go back without a marker.
 */
function expandOnly(r: SynthResource): boolean {
    const annotations = (r.inputs.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {};
    return annotations[SCHEMA_POLICY] === "expand-only";
}

interface Marker {
    readonly key: string;
    readonly value: string;
}

function walk(value: unknown, path: Segment[], visit: (key: string, value: unknown, path: Segment[]) => void): void {
    if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (!Array.isArray(value)) visit(k, v, [...path, k]);
            walk(v, [...path, Array.isArray(value) ? Number(k) : k], visit);
        }
    }
}

/** Schema markers in a synth: `<resource name> <path>` → version. */
export function schemaMarkers(result: SynthResult | undefined): Marker[] {
    const markers: Marker[] = [];
    for (const r of result?.resources ?? []) {
        walk(r.inputs, [], (key, value, path) => {
            if (SCHEMA_KEYS.has(key) && (typeof value === "string" || typeof value === "number")) {
                markers.push({ key: `${r.name} ${formatPath(path)}`, value: String(value) });
            }
        });
    }
    return markers;
}

/** Container images of backend-ish workloads (name or image mentions backend/api/migrat). */
function backendImages(result: SynthResult | undefined): Map<string, string> {
    const images = new Map<string, string>();
    const backendish = /backend|(^|[-_/])api($|[-_/])|migrat/i;
    for (const r of (result?.resources ?? []).filter((x) => !expandOnly(x))) {
        walk(r.inputs, [], (key, value, path) => {
            if (key !== "image" || typeof value !== "string") return;
            const { repository } = splitImage(value);
            if (backendish.test(repository) || backendish.test(r.name)) images.set(`${r.name} ${formatPath(path)}`, value);
        });
    }
    return images;
}

const HELM_RELEASE = /^kubernetes:helm\.sh\/v\d+:Release$/;

/**
 * Where an Airflow Helm release says which Airflow runs: the chart version (each chart release
 * defaults to a newer Airflow) and the values that choose the Airflow version and image.
 */
export const AIRFLOW_VERSION_INPUTS: readonly string[] = [
    "version",
    "values.airflowVersion",
    "values.defaultAirflowTag",
    "values.images.airflow.tag",
];

/** Helm releases of the Apache Airflow chart. */
export function airflowReleases(result: SynthResult | undefined): SynthResource[] {
    return (result?.resources ?? []).filter((r) => HELM_RELEASE.test(r.type) && chartName(r) === "airflow");
}

function inputAt(inputs: Record<string, unknown>, dotted: string): unknown {
    let value: unknown = inputs;
    for (const key of dotted.split(".")) {
        if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
        value = (value as Record<string, unknown>)[key];
    }
    return value;
}

/** The same release in the tag's synth: same resource name, else same Helm release name and namespace. */
function sameRelease(release: SynthResource, candidates: SynthResource[]): SynthResource | undefined {
    return (
        candidates.find((c) => c.name === release.name) ??
        candidates.find(
            (c) => c.inputs.name !== undefined && c.inputs.name === release.inputs.name && c.inputs.namespace === release.inputs.namespace,
        )
    );
}

/**
 * Airflow migrates its metadata database forward on every upgrade (`airflow db migrate`, run
 * by the chart's migrate job); an older Airflow does not run against the newer schema. So a
 * lower chart version, airflowVersion, defaultAirflowTag or images.airflow.tag on an Airflow
 * release is a schema rollback.
 */
export function airflowSchemaBlockers(stack: string, current: SynthResult | undefined, target: SynthResult | undefined): Blocker[] {
    const blockers: Blocker[] = [];
    const targets = airflowReleases(target);
    for (const now of airflowReleases(current)) {
        const then = sameRelease(now, targets);
        if (!then) continue;
        const down: string[] = [];
        for (const input of AIRFLOW_VERSION_INPUTS) {
            const a = inputAt(now.inputs, input);
            const b = inputAt(then.inputs, input);
            if ((typeof a !== "string" && typeof a !== "number") || (typeof b !== "string" && typeof b !== "number")) continue;
            const va = parseTagVersion(String(a));
            const vb = parseTagVersion(String(b));
            if (va && vb && compareNumbers(vb, va) < 0) down.push(`${input} ${String(a)} → ${String(b)}`);
        }
        if (down.length > 0) {
            blockers.push({
                kind: "schema-rollback",
                stack,
                message:
                    `${now.name}: Airflow goes back (${down.join(", ")}). Airflow migrates its metadata database forward ` +
                    `on upgrade and an older Airflow does not run on the newer schema: run \`airflow db downgrade\` to ` +
                    `the older version first, or restore a metadata-database backup taken before the upgrade, or roll forward.`,
            });
        }
    }
    return blockers;
}

/**
 * Schema rollbacks: Airflow releases going back (always checked), versioned schema markers that
 * go down, and without markers backend image tags that go down.
 */
export function schemaBlockers(stack: string, current: SynthResult | undefined, target: SynthResult | undefined): Blocker[] {
    const now = schemaMarkers(current);
    const then = new Map(schemaMarkers(target).map((m) => [m.key, m.value]));
    const blockers: Blocker[] = airflowSchemaBlockers(stack, current, target);
    if (now.length > 0) {
        for (const m of now) {
            const old = then.get(m.key);
            if (old === undefined) continue;
            const a = parseTagVersion(m.value);
            const b = parseTagVersion(old);
            if (a && b && compareNumbers(b, a) < 0) {
                blockers.push({
                    kind: "schema-rollback",
                    stack,
                    message:
                        `${m.key.split(" ")[0]}: database schema ${m.value} → ${old}. Migrations only go forward; restore a ` +
                        `backup taken at schema ${old} or roll forward.`,
                });
            }
        }
        return blockers;
    }
    const thenImages = backendImages(target);
    for (const [key, image] of backendImages(current)) {
        const old = thenImages.get(key);
        if (!old || old === image) continue;
        const a = parseTagVersion(splitImage(image).tag ?? "");
        const b = parseTagVersion(splitImage(old).tag ?? "");
        if (a && b && compareNumbers(b, a) < 0) {
            blockers.push({
                kind: "schema-unknown",
                stack,
                message:
                    `${key.split(" ")[0]}: backend image ${image} → ${old}. No ${SCHEMA_MARKER} marker says which schema ` +
                    `each version needs; assuming the newer backend migrated the database, the older one may not read it.`,
            });
        }
    }
    return blockers;
}
