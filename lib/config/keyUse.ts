/**
 * What a layer's config reader learns about each key as it reads it: kind, default, what is
 * allowed. A lookup with a `record` sink receives one `KeyUse` per read; docs/config.md is
 * generated from these (delivery/configDocs), so the reference and the reader cannot drift.
 */

export type KeyKind =
    /** Looked up raw (`has`, custom parsing): the reader knows only that the key exists. */
    | "read"
    /** Declared valid without being read in this configuration (`known`). */
    | "known"
    | "string"
    | "oneOf"
    | "integer"
    | "boolean"
    | "json"
    | "list"
    | "map"
    | "secret";

export interface KeyUse {
    readonly key: string;
    readonly kind: KeyKind;
    /** The default the reader applies when the key is unset. */
    readonly default?: unknown;
    /** Read with `optionalString`: unset is fine. */
    readonly optional?: boolean;
    /** What is allowed, as the reader's messages say it. */
    readonly allowed?: string;
    readonly pattern?: RegExp;
    /** The value (or list item) check; what it allows is what it says about a wrong value. */
    readonly check?: (value: string) => string | undefined;
    readonly values?: readonly string[];
    readonly min?: number;
    readonly max?: number;
    readonly minItems?: number;
}

/** A sink for `KeyUse`s, attached to a `ConfigLookup` as `record`. */
export type KeyRecorder = (use: KeyUse) => void;
