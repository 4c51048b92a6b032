/** What a synth records: each resource's registration as the engine would see it, and the stack's outputs. */
import type { ReplaceRule } from "./replace";

export interface SynthOptions {
    readonly dependsOn: string[];
    readonly replaceOnChanges: string[];
    readonly deleteBeforeReplace: boolean;
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    readonly retainOnDelete: boolean;
    readonly additionalSecretOutputs: string[];
    readonly customTimeouts: Record<string, string>;
}

/** The options of a resource registered with none set (a read resource records these). */
export const NO_OPTIONS: SynthOptions = {
    dependsOn: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    protect: false,
    ignoreChanges: [],
    retainOnDelete: false,
    additionalSecretOutputs: [],
    customTimeouts: {},
};

export interface SynthResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    /** True for resources that are read, not managed (StackReference). */
    readonly read?: boolean;
    readonly parent: string | null;
    readonly provider: string | null;
    readonly inputs: Record<string, unknown>;
    readonly options: SynthOptions;
    /**
     * Input paths whose change replaces the resource: the provider's rules at the pinned version
     * and the replaceOnChanges option (see replace.ts). Absent in synth files of older code.
     */
    readonly replaceOn?: ReplaceRule[];
    /** The resource's `aliases` option (former names/parents the engine matches state by); absent when none. */
    readonly aliases?: AliasSpec[];
}

/** One alias as the SDK sends it: a whole URN, or the parts that differ (unset parts: the resource's own). */
export interface AliasSpec {
    readonly urn?: string;
    readonly name?: string;
    readonly type?: string;
    /** The former parent; `noParent`: formerly a child of the stack. */
    readonly parentUrn?: string;
    readonly noParent?: boolean;
}

export interface SynthResult {
    readonly project: string;
    readonly stack: string;
    readonly resources: SynthResource[];
    readonly outputs: Record<string, unknown>;
}

/** Stack outputs visible to StackReferences, by stack name (the last segment of the reference). */
export type StackOutputs = Record<string, Record<string, unknown>>;
