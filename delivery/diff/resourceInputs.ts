/** Reading a resource view's inputs the way the irreversible-change checks compare them. */
import type { ResourceView } from "./irreversibleKinds";
import { compareNumbers, parseTagVersion } from "../release/versions";

export const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined =>
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
export const metaName = (r: ResourceView) => str(obj(r.inputs.metadata).name) ?? r.name;
export const lower = (a?: string, b?: string) => {
    const pa = a ? parseTagVersion(a) : undefined;
    const pb = b ? parseTagVersion(b) : undefined;
    return pa !== undefined && pb !== undefined && compareNumbers(pb, pa) < 0;
};

export function byKey(resources: readonly ResourceView[], pick: (r: ResourceView) => string | undefined): Map<string, ResourceView> {
    const out = new Map<string, ResourceView>();
    for (const r of resources) {
        const k = pick(r);
        if (k !== undefined) out.set(k, r);
    }
    return out;
}
