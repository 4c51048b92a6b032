/**
 * What the reader cannot say about a key: what it is for, words for a default that depends on
 * the environment, and which irreversible-change rules (delivery/diff/irreversible.ts) a change of it
 * can trigger. Kind, default, allowed values and secrecy come from the reader itself.
 */
import type { IrreversibleKind } from "../diff/irreversible";

export interface KeyDoc {
    /** What the key is for (one line, Markdown). */
    readonly meaning: string;
    /** The default in words, where the reader's default depends on the environment or other keys. */
    readonly default?: string;
    /** What is allowed, where the reader parses a structure itself. */
    readonly allowed?: string;
    /** Irreversible changes this key can make, refused by `up` unless `--allow <kind>`. */
    readonly irreversible?: readonly IrreversibleKind[];
    /** A key that is no longer read: what replaced it (the reader refuses it with this advice). */
    readonly retired?: string;
}

export type KeyDocs = Readonly<Record<string, KeyDoc>>;
