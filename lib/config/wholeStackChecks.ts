/**
 * The checks `ConfigReader.finish()` runs over the whole stack once the layer has read its keys:
 * keys nothing reads, secrets nothing uses, another environment's leftovers, and numbers written
 * in notations YAML converts silently. They need what the reader learnt, so they run last.
 */
import { isSecretKey, plaintextSecretMessage, SECRET_KEYS } from "./secrets";
import { leftovers } from "./consistency";
import { notationProblems } from "./notation";
import { didYouMean } from "./didYouMean";
import { providerKeyProblem } from "./providerKeys";
import { FOREIGN_NAMESPACES, type ConfigLookup } from "./lookup";
import { problemOf, type ConfigProblem } from "./problems";

/** What a reader learnt while the layer read its configuration. */
export interface ReadState {
    readonly namespace: string;
    /** The reader's lookup (reads through it count as reads). */
    readonly lookup: ConfigLookup;
    /** Keys the layer read or declared (without namespace). */
    readonly knownKeys: ReadonlySet<string>;
    /** Secret keys the layer asked for through `secret()`. */
    readonly secretsRead: ReadonlySet<string>;
    /** The environment the layer read, if any. */
    readonly env?: string;
    /** Provider namespaces whose default provider the layer's resources use. */
    readonly providers?: readonly string[];
    /** Problems found so far, which a later check may leave unrepeated. */
    readonly problems: readonly ConfigProblem[];
}

/**
 * A key the layer never reads is a typo or a leftover: refused with its file and the nearest
 * known key, so `flanelBackend` cannot silently leave WireGuard off. Keys of another
 * namespace are refused too, except provider and Pulumi configuration.
 */
export function unknownKeyProblems(s: ReadState): ConfigProblem[] {
    const all = s.lookup.keys?.();
    if (!all) return [];
    const out: ConfigProblem[] = [];
    const where = s.lookup.file ? ` in ${s.lookup.file}` : "";
    for (const full of all) {
        const cut = full.indexOf(":");
        const ns = cut < 0 ? s.namespace : full.slice(0, cut);
        const key = cut < 0 ? full : full.slice(cut + 1);
        if (ns === s.namespace) {
            if (s.knownKeys.has(key.split(/[.[]/)[0])) continue;
            const guess = didYouMean(key, s.knownKeys);
            out.push({
                key: full,
                value: "(set" + where + ")",
                message: `is not a setting of this layer${guess ? `; did you mean ${s.namespace}:${guess}?` : ""} (remove it${where})`,
            });
        } else if (FOREIGN_NAMESPACES.includes(ns)) {
            const raw = s.lookup.foreign?.(full);
            const message = providerKeyProblem(ns, key, raw?.value, raw?.secret ?? false, s.providers);
            if (message) out.push({ key: full, value: raw?.secret ? "(secret)" : `(set${where})`, message });
        } else {
            const guess = didYouMean(ns, [s.namespace, ...FOREIGN_NAMESPACES]);
            out.push({
                key: full,
                value: "(set" + where + ")",
                message:
                    `is in namespace "${ns}", which nothing here reads${guess ? `; did you mean ${guess}:${key}?` : ""} ` +
                    `(allowed: ${s.namespace}:, ${FOREIGN_NAMESPACES.map((n) => `${n}:`).join(", ")})`,
            });
        }
    }
    return out;
}

/** A secret key of this layer that no code path asked for is unused in the chosen mode. */
export function unreadSecretProblems(s: ReadState): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    for (const key of ownKeys(s)) {
        if (!isSecretKey(key) || s.secretsRead.has(key) || !s.knownKeys.has(key)) continue;
        if (!isSecret(s, key)) out.push(problemOf(s.namespace, key, "(not shown)", plaintextSecretMessage(key)));
        out.push(
            problemOf(
                s.namespace,
                key,
                "(secret)",
                `is set but nothing in this configuration uses it (${SECRET_KEYS[key].what}); remove it (pulumi config rm ${key})`,
            ),
        );
    }
    return out;
}

/** A value naming another environment is a leftover of a copied stack file. */
export function leftoverProblems(s: ReadState): ConfigProblem[] {
    if (s.env === undefined || !s.lookup.environments) return [];
    const values: Record<string, string> = {};
    for (const key of ownKeys(s)) {
        if (key === "environment" || isSecret(s, key)) continue;
        const v = s.lookup(key);
        if (v !== undefined) values[key] = v;
    }
    // A key already refused (a reference to another environment's stack) is not reported twice.
    const refused = new Set(s.problems.map((p) => p.key));
    const out: ConfigProblem[] = [];
    for (const [key, other] of leftovers(values, s.env, s.lookup.environments())) {
        if (refused.has(`${s.namespace}:${key}`)) continue;
        out.push(
            problemOf(
                s.namespace,
                key,
                values[key],
                `names environment "${other}" in a stack of environment "${s.env}": a leftover of a copied stack ` +
                    `file; replace it with this environment's value`,
            ),
        );
    }
    return out;
}

/** Numbers written in a notation YAML converts silently (octal, hex, exponent…). */
export function notationKeyProblems(s: ReadState): ConfigProblem[] {
    const text = s.lookup.source?.();
    if (!text) return [];
    return notationProblems(text, s.namespace).map((p) => ({ key: p.key, value: p.written, message: p.message }));
}

function isSecret(s: ReadState, key: string): boolean {
    return s.lookup.isSecret?.(key) ?? false;
}

/** Keys (without namespace) the stack sets in this layer's namespace. */
function ownKeys(s: ReadState): string[] {
    return (s.lookup.keys?.() ?? [])
        .filter((full) => !full.includes(":") || full.startsWith(`${s.namespace}:`))
        .map((full) => (full.includes(":") ? full.slice(s.namespace.length + 1) : full));
}
