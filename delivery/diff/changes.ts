/** What a stack diff holds: the change of each resource and the stack's whole plan. */
import type { SynthResource } from "../synth/synth";
import type { Segment } from "./paths";
import type { RollNode } from "./rollOrder";

export type ChangeKind = "create" | "delete" | "update" | "replace";

export interface InputChange {
    /** Property path, e.g. `imageName` or `values.image.tag`. */
    readonly path: string;
    readonly segments: Segment[];
    readonly before: unknown;
    readonly after: unknown;
    /** Either side is (inside) a secret: the renderer does not show values. */
    readonly secret: boolean;
}

export interface ResourceChange {
    readonly kind: ChangeKind;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Changed inputs (update, replace); key inputs for a create (`before` undefined). */
    readonly inputs: InputChange[];
    /** Changed resource options, e.g. `protect`, `replaceOnChanges` (update, replace). */
    readonly options: string[];
    /** Why the resource is replaced, one line per cause (replace only). */
    readonly reasons: string[];
    /** The fields that force the replacement (replace only), e.g. `publicKey`. */
    readonly why: string[];
    /** Changed inputs the engine ignores (the resource's ignoreChanges). */
    readonly ignored: string[];
    /** A replaced provider: every resource it manages, replaced with it (names). */
    readonly dependents?: string[];
    /** Why a change that looks like a replacement is not one (a provider's own rule). */
    readonly notes?: string[];
    readonly before?: SynthResource;
    readonly after?: SynthResource;
}

/**
 * The fields of a change a warning reads: each warning asks only for those it uses, so it stays
 * pure and its tests build changes of a few fields.
 */
export type ChangeFields<K extends keyof ResourceChange> = Pick<ResourceChange, "kind" | "type" | "name" | K>;

export interface StackDiff {
    readonly stack: string;
    readonly changes: ResourceChange[];
    readonly unchanged: number;
    /** Stack outputs whose value differs (names only). */
    readonly outputs: string[];
    /** Set when only one side has the stack. */
    readonly note?: string;
    /** Replaced nodes in the batches `pulumi up` works through, in order (when any node is replaced). */
    readonly roll?: RollNode[][];
    /** What the plan puts at risk beyond the resources themselves (e.g. the only server replaced). */
    readonly warnings?: string[];
}
