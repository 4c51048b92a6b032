/**
 * The raw configuration lookup a `ConfigReader` reads through, and its strict form: a lookup
 * that also lists the stack's keys, so that every key the layer does not read is refused.
 */
import type { KeyRecorder } from "./keyUse";

/**
 * Raw config lookup: the plain string Pulumi stores for `key` (objects are JSON), or undefined.
 * A lookup may also say which keys the stack sets (`keys`, fully qualified) and where (`file`):
 * then the reader refuses every key the layer does not read (see `strictLookup`).
 */
export type ConfigLookup = ((key: string) => string | undefined) & {
    readonly keys?: () => readonly string[];
    readonly file?: string;
    /** Whether a key (without namespace) was set with `--secret`; without it no key counts as secret. */
    readonly isSecret?: (key: string) => boolean;
    /** The stack's name, to check `environment` against it. */
    readonly stack?: string;
    /** Every environment with stack files beside this one, to find another's leftovers. */
    readonly environments?: () => readonly string[];
    /** The stack file's text, to refuse numbers written in notations YAML converts silently. */
    readonly source?: () => string | undefined;
    /** A key of another namespace (`openstack:authUrl`): its raw value and whether it is `secure:`. */
    readonly foreign?: (fullKey: string) => { readonly value: string | undefined; readonly secret: boolean };
    /** Receives what the reader learns about each key it reads (for docs/config.md). */
    readonly record?: KeyRecorder;
};

/**
 * Namespaces a stack file may use besides the project's: provider configuration that the
 * Pulumi engine hands to the providers (`openstack:authUrl`, `kubernetes:...`) and Pulumi's own.
 */
export const FOREIGN_NAMESPACES: readonly string[] = ["openstack", "kubernetes", "pulumi", "random", "tls", "command"];

/** A lookup over `get` that also lists the stack's keys and names its file, for strict checking. */
export function strictLookup(
    get: (key: string) => string | undefined,
    keys: () => readonly string[],
    file: string,
    more: Pick<ConfigLookup, "isSecret" | "stack" | "environments" | "source" | "foreign" | "record"> = {},
): ConfigLookup {
    return Object.assign((key: string) => get(key), { keys, file, ...more });
}

/** `lookup` with another secret predicate (the rest kept). */
export function withSecrets(lookup: ConfigLookup, isSecret: (key: string) => boolean): ConfigLookup {
    return Object.assign((key: string) => lookup(key), { ...lookupExtras(lookup), isSecret });
}

/** The optional parts of a lookup, to wrap its function and keep the rest. */
export function lookupExtras(l: ConfigLookup): Omit<ConfigLookup, never> {
    return {
        keys: l.keys,
        file: l.file,
        isSecret: l.isSecret,
        stack: l.stack,
        environments: l.environments,
        source: l.source,
        foreign: l.foreign,
        record: l.record,
    } as ConfigLookup;
}
