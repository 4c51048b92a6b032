/**
 * Resource identity as the engine matches old state: type and name up the parent chain, and the
 * identities a resource's aliases give it. A harness's spelling of URNs does not change it.
 */
import type { SynthResource, SynthResult } from "../synth/synth";

function lastPart(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const qualified = parts[2] ?? "";
    return { type: qualified.split("$").pop() ?? qualified, name: parts.slice(3).join("::") };
}

/**
 * A resource's logical identity: its type and name, and those of its parents up to the stack.
 * Unlike the URN it does not depend on how a harness spells URNs (the qualified parent type),
 * yet a resource moved to another parent is still a different resource.
 */
export function identityOf(resource: Pick<SynthResource, "type" | "name" | "parent">, all: SynthResult | undefined, depth = 0): string {
    const own = `${resource.type}::${resource.name}`;
    if (!resource.parent || depth > 32) return own;
    return `${identityOfUrn(resource.parent, all, depth + 1)} / ${own}`;
}

const urnIndex = new WeakMap<SynthResult, Map<string, SynthResource>>();
/** The resource with `urn` in `all` (indexed once per synth result). */
export function byUrn(all: SynthResult | undefined, urn: string): SynthResource | undefined {
    if (!all) return undefined;
    let index = urnIndex.get(all);
    if (!index) urnIndex.set(all, (index = new Map(all.resources.map((r) => [r.urn, r]))));
    return index.get(urn);
}

/** The identity of the resource a URN names, also when no resource of `all` has it now. */
export function identityOfUrn(urn: string | null, all: SynthResult | undefined, depth = 0): string {
    if (!urn) return "";
    const found = byUrn(all, urn);
    if (found) return identityOf(found, all, depth);
    const { type, name } = lastPart(urn);
    if (type === "pulumi:pulumi:Stack") return "stack";
    // A URN no resource has now (an alias's former parent): a top-level one sits under the stack.
    const stack = stackUrn(all);
    return !urn.split("::")[2]?.includes("$") && stack ? `${identityOfUrn(stack, all, depth + 1)} / ${type}::${name}` : `${type}::${name}`;
}

/**
 * Every identity the engine would match a resource's old state by: its own, those its `aliases`
 * name, and — as the engine derives them — its own name under each identity of its parent
 * (a child keeps its state when its parent was aliased).
 */
export function identitiesOf(resource: SynthResource, all: SynthResult | undefined, depth = 0): string[] {
    const own = (type: string, name: string, parentIds: string[]) =>
        parentIds.map((p) => (p ? `${p} / ${type}::${name}` : `${type}::${name}`));
    const parentIds = (urn: string | null | undefined): string[] => {
        if (!urn) return [""];
        const parent = byUrn(all, urn);
        return parent && depth < 32 ? identitiesOf(parent, all, depth + 1) : [identityOfUrn(urn, all, depth + 1)];
    };
    const ids = own(resource.type, resource.name, parentIds(resource.parent));
    for (const alias of resource.aliases ?? []) {
        if (alias.urn) {
            const { type, name } = lastPart(alias.urn);
            ids.push(`${type}::${name}`);
            continue;
        }
        // `noParent` (the SDK's spelling of `parent: rootStackResource`): a top-level resource,
        // whose parent is the stack itself.
        const formerParent = alias.noParent ? stackUrn(all) : (alias.parentUrn ?? resource.parent);
        ids.push(
            ...own(
                alias.type ?? resource.type,
                alias.name ?? resource.name,
                alias.noParent && !formerParent ? [""] : parentIds(formerParent),
            ),
        );
    }
    return [...new Set(ids)];
}

function stackUrn(all: SynthResult | undefined): string | null {
    return all?.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? null;
}
