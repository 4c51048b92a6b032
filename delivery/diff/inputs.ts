/**
 * Input trees compared leaf by leaf, as the engine compares recorded inputs. Secret values
 * (`{"@secret": ...}`) are compared but marked, so nothing shows them.
 */
import type { SynthResource } from "../synth/synth";
import type { InputChange } from "./changes";
import { formatPath, parsePath, Segment } from "./paths";

export const SECRET = "@secret";

function isSecret(value: unknown): value is { [SECRET]: unknown } {
    return (
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        SECRET in (value as object) &&
        Object.keys(value as object).length === 1
    );
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** JSON with object keys sorted: equal values give equal text. */
export function stable(value: unknown): string {
    return JSON.stringify(value, (_k, v: unknown) =>
        isObject(v)
            ? Object.fromEntries(
                  Object.keys(v)
                      .sort()
                      .map((k) => [k, v[k]]),
              )
            : v,
    );
}

/** Leaf-level differences between two input trees. */
export function changedInputs(before: unknown, after: unknown, path: Segment[] = [], secret = false): InputChange[] {
    const bSecret = isSecret(before);
    const aSecret = isSecret(after);
    if (bSecret || aSecret) {
        return changedInputs(bSecret ? before[SECRET] : before, aSecret ? after[SECRET] : after, path, true);
    }
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => changedInputs(before[k], after[k], [...path, k], secret));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const n = Math.max(before.length, after.length);
        const out: InputChange[] = [];
        for (let i = 0; i < n; i++) out.push(...changedInputs(before[i], after[i], [...path, i], secret));
        return out;
    }
    if (stable(before) === stable(after)) return [];
    return [{ path: formatPath(path), segments: path, before, after, secret }];
}

/** Inputs worth showing for a created resource: names, versions, sizes, images (never secrets). */
const KEY_INPUTS = [
    "name",
    "metadata.name",
    "metadata.namespace",
    "chart",
    "version",
    "namespace",
    "imageName",
    "flavorName",
    "pool",
    "size",
    "publicKey",
    "cidr",
    "spec.storageClassName",
    "spec.resources.requests.storage",
    "spec.replicas",
    "spec.kafka.replicas",
    "spec.storage.size",
    "spec.partitions",
    "length",
    "algorithm",
    "create",
    "triggers",
    "availabilityZone",
];

/** A created resource's key inputs (first `max` of KEY_INPUTS that it sets). */
export function keyInputs(resource: SynthResource, max = 6): InputChange[] {
    const out: InputChange[] = [];
    for (const path of KEY_INPUTS) {
        if (out.length >= max) break;
        const segments = parsePath(path);
        let value: unknown = resource.inputs;
        for (const s of segments) value = isObject(value) ? value[String(s)] : undefined;
        if (value === undefined) continue;
        out.push({ path, segments, before: undefined, after: value, secret: JSON.stringify(value).includes(SECRET) });
    }
    return out;
}
