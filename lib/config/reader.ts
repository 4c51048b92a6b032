/**
 * Typed, validating access to a stack's configuration.
 *
 * Every layer reads its configuration through a `ConfigReader`, which records each problem
 * (key, offending value, what is allowed) instead of throwing on the first one. The layer calls
 * `reader.finish()` once, before it creates any resource, so one run reports every mistake.
 *
 * The reader depends only on a lookup function, so layer config parsers are pure and are
 * tested without Pulumi.
 */
import { isSecretKey, plaintextSecretMessage, SECRET_KEYS } from "./secrets";
import { environmentMismatch, leftovers } from "./consistency";
import { notationProblems } from "./notation";
import type { KeyRecorder, KeyUse } from "./keyUse";
import { didYouMean } from "./didYouMean";
import { providerKeyProblem } from "./providerKeys";

export { didYouMean, editDistance } from "./didYouMean";

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

/** Keys every stack has, read outside the layers (program.ts). */
const ALWAYS_KNOWN = ["layer"];

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
    return Object.assign((key: string) => lookup(key), { ...pick(lookup), isSecret });
}

function pick(l: ConfigLookup): Omit<ConfigLookup, never> {
    return { keys: l.keys, file: l.file, isSecret: l.isSecret, stack: l.stack, environments: l.environments, source: l.source, foreign: l.foreign, record: l.record } as ConfigLookup;
}

export interface ConfigProblem {
    readonly key: string;
    readonly value: string;
    readonly message: string;
}

/** Thrown by `ConfigReader.finish()`; lists every problem found. */
export class ConfigValidationError extends Error {
    constructor(
        readonly scope: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(
            `Invalid configuration for ${scope} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.key} = ${p.value}: ${p.message}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

interface Optional<T> {
    /** Value used when the key is absent. Without it, an absent key is a problem. */
    readonly default?: T;
}

/** Renders a value for an error message; long values are cut so secrets-by-mistake stay short. */
export function show(value: unknown): string {
    if (value === undefined) return "(unset)";
    const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

interface StringRules {
    readonly pattern?: RegExp;
    /** What is allowed, for the messages of `pattern` and emptiness. */
    readonly allowed?: string;
    /** Further check; returns what is allowed when the value is wrong. */
    readonly check?: (value: string) => string | undefined;
}

export class ConfigReader {
    private readonly problems: ConfigProblem[] = [];
    /** Keys this layer reads or declares (without namespace). */
    private readonly knownKeys = new Set<string>(ALWAYS_KNOWN);
    /** Secret keys the layer asked for through `secret()`. */
    private readonly secretsRead = new Set<string>();
    /** The environment read by `environment()`, for the leftover check. */
    private env?: string;
    /** Provider namespaces whose default provider this layer's resources use (`usesProviders`). */
    private providers?: readonly string[];

    /**
     * @param namespace the Pulumi project name; keys are reported as `namespace:key`.
     * @param lookup returns the raw value of a key (without namespace) or undefined.
     * @param scope what is being configured, e.g. the stack name; used in the error title.
     */
    constructor(
        private readonly namespace: string,
        private lookup: ConfigLookup,
        private readonly scope: string,
    ) {
        const raw = lookup;
        this.lookup = Object.assign((key: string) => {
            this.knownKeys.add(key);
            raw.record?.({ key, kind: "read" });
            return raw(key);
        }, pick(raw));
    }

    /**
     * Declares the providers (`openstack`, `tls`, …) whose default provider the layer's resources
     * use, so that provider settings in a stack of another layer are refused as unread.
     */
    usesProviders(namespaces: readonly string[]): void {
        this.providers = namespaces;
    }

    /** Whether `key` was set with `--secret`. */
    isSecret(key: string): boolean {
        return this.lookup.isSecret?.(key) ?? false;
    }

    /**
     * A credential (one of SECRET_KEYS): refused when stored in plain text, and refused when the
     * configuration does not use it (`used` false, `unusedBecause` says why). Undefined when unset.
     */
    secret(key: string, opts: { used: boolean; unusedBecause: string }): string | undefined {
        // One list of credentials for every layer (docs, unused-secret check): a key outside it is a code bug.
        if (!isSecretKey(key)) throw new Error(`${key} is read as a secret but is not in SECRET_KEYS (lib/config/secrets.ts)`);
        this.secretsRead.add(key);
        this.use({ key, kind: "secret" });
        if (!this.has(key)) return undefined;
        if (!this.isSecret(key)) this.problem(key, "(not shown)", plaintextSecretMessage(key));
        if (!opts.used) {
            this.problem(key, "(secret)", `is set but not used: ${opts.unusedBecause}; remove it (pulumi config rm ${key}) or configure what it is for`);
            return undefined;
        }
        return this.lookup(key);
    }

    /** The `environment` key, which must match the stack name `<environment>-<layer>`. */
    environment(layer: string): string {
        const env = this.string("environment", { pattern: /^[a-z][a-z0-9-]{0,15}$/, allowed: 'a short lowercase name like "dev" or "prod" (max 16 chars)' });
        const mismatch = environmentMismatch(this.lookup.stack, layer, env);
        if (mismatch) this.problem("environment", env, mismatch);
        this.env = env;
        return env;
    }

    /** Declares keys valid for this layer although this configuration does not read them (e.g. another networkMode's). */
    known(...keys: string[]): void {
        keys.forEach((k) => {
            this.knownKeys.add(k);
            this.use({ key: k, kind: "known" });
        });
    }

    /** The fully-qualified key as a user would type it in `pulumi config set`. */
    qualified(key: string): string {
        return `${this.namespace}:${key}`;
    }

    /** Records a problem with `key`; `value` is shown as given. */
    problem(key: string, value: unknown, message: string): void {
        const p = { key: this.qualified(key), value: show(value), message };
        // A value failing both its pattern and its check would otherwise be reported twice.
        if (!this.problems.some((q) => q.key === p.key && q.value === p.value && q.message === p.message)) this.problems.push(p);
    }

    has(key: string): boolean {
        return this.lookup(key) !== undefined;
    }

    /**
     * A non-empty string, optionally restricted by a pattern (described by `allowed`) and by a
     * `check` (one of lib/config/checks), which also applies to the default.
     */
    string(key: string, opts: Optional<string> & StringRules = {}): string {
        this.use({ key, kind: "string", ...opts });
        return this.readString(key, opts);
    }

    private readString(key: string, opts: Optional<string> & StringRules): string {
        const raw = this.lookup(key);
        if (raw === undefined) {
            if (opts.default === undefined) return this.missing(key, undefined, "a non-empty string", "");
            return this.checked(key, opts.default, opts.check);
        }
        if (raw.trim() === "") {
            this.problem(key, raw, `must not be empty${opts.allowed ? `; expected ${opts.allowed}` : ""}`);
            return raw;
        }
        if (opts.pattern && !opts.pattern.test(raw)) {
            this.problem(key, raw, `must be ${opts.allowed ?? `a string matching ${opts.pattern}`}`);
        }
        return this.checked(key, raw, opts.check);
    }

    /** An optional string: undefined when unset. Empty strings are rejected like `string()`. */
    optionalString(key: string, opts: StringRules = {}): string | undefined {
        this.use({ key, kind: "string", optional: true, ...opts });
        return this.has(key) ? this.readString(key, opts) : undefined;
    }

    /** One of a fixed set of values. */
    oneOf<T extends string>(key: string, allowed: readonly T[], opts: Optional<T> = {}): T {
        this.use({ key, kind: "oneOf", values: allowed, default: opts.default });
        const raw = this.lookup(key);
        const list = allowed.map((a) => `"${a}"`).join(", ");
        if (raw === undefined) return this.missing(key, opts.default, `one of ${list}`, allowed[0]);
        if (!(allowed as readonly string[]).includes(raw)) {
            this.problem(key, raw, `must be one of ${list}`);
            return opts.default ?? allowed[0];
        }
        return raw as T;
    }

    /** An integer within [min, max]. */
    integer(key: string, opts: Optional<number> & { min?: number; max?: number } = {}): number {
        this.use({ key, kind: "integer", default: opts.default, min: opts.min, max: opts.max });
        const raw = this.lookup(key);
        const range = describeRange(opts.min, opts.max);
        if (raw === undefined) return this.missing(key, opts.default, `an integer${range}`, opts.min ?? 0);
        const value = Number(raw);
        // Decimal digits only: Number() would also take "0x10", "1e3", " 7" or "0b11".
        if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value)) {
            this.problem(key, raw, `must be a decimal integer${range}`);
            return opts.default ?? opts.min ?? 0;
        }
        if ((opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
            this.problem(key, value, `must be an integer${range}`);
        }
        return value;
    }

    boolean(key: string, opts: Optional<boolean> = {}): boolean {
        this.use({ key, kind: "boolean", default: opts.default });
        const raw = this.lookup(key);
        if (raw === undefined) return this.missing(key, opts.default, "true or false", false);
        if (raw !== "true" && raw !== "false") {
            this.problem(key, raw, "must be true or false");
            return opts.default ?? false;
        }
        return raw === "true";
    }

    /** A structured (YAML object/array) value, parsed from the JSON Pulumi stores. */
    json<T>(key: string, opts: Optional<T> & { expected: string }): T {
        this.use({ key, kind: "json", default: opts.default, allowed: opts.expected });
        const raw = this.lookup(key);
        if (raw === undefined) return this.missing(key, opts.default, opts.expected, undefined as unknown as T);
        try {
            return JSON.parse(raw) as T;
        } catch {
            this.problem(key, raw, `must be ${opts.expected}`);
            return (opts.default ?? undefined) as T;
        }
    }

    /** A list of strings, each checked by `check` (which returns an error message or undefined). */
    stringList(
        key: string,
        opts: Optional<string[]> & { check?: (item: string) => string | undefined; minItems?: number } = {},
    ): string[] {
        this.use({ key, kind: "list", default: opts.default, check: opts.check, minItems: opts.minItems });
        const value = this.json<unknown>(key, { default: opts.default, expected: "a list of strings" });
        if (value === undefined) return [];
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
            this.problem(key, value, "must be a list of strings");
            return [];
        }
        const items = value as string[];
        if (opts.minItems !== undefined && items.length < opts.minItems) {
            this.problem(key, items, `must list at least ${opts.minItems} item${opts.minItems === 1 ? "" : "s"}`);
        }
        items.forEach((item, i) => {
            const message = opts.check?.(item);
            if (message) this.problem(`${key}[${i}]`, item, message);
            // Duplicates name the same resource twice (duplicate URNs the engine rejects).
            const first = items.indexOf(item);
            if (first !== i) this.problem(`${key}[${i}]`, item, `repeats ${key}[${first}]; list each entry once`);
        });
        return items;
    }

    /** A map of string → string (e.g. labels). */
    stringMap(key: string, opts: Optional<Record<string, string>> = {}): Record<string, string> {
        this.use({ key, kind: "map", default: opts.default });
        const value = this.json<unknown>(key, { default: opts.default, expected: "a map of string to string" });
        if (value === undefined) return {};
        if (typeof value !== "object" || value === null || Array.isArray(value) ||
            Object.values(value).some((v) => typeof v !== "string")) {
            this.problem(key, value, "must be a map of string to string");
            return {};
        }
        return value as Record<string, string>;
    }

    /** Throws a `ConfigValidationError` listing every recorded problem (and unknown keys), if any. */
    finish(): void {
        this.refuseUnknownKeys();
        this.refuseUnreadSecrets();
        this.refuseLeftovers();
        this.refuseNotations();
        if (this.problems.length > 0) throw new ConfigValidationError(this.scope, this.problems);
    }

    /**
     * A key the layer never reads is a typo or a leftover: refused with its file and the nearest
     * known key, so `flanelBackend` cannot silently leave WireGuard off. Keys of another
     * namespace are refused too, except provider and Pulumi configuration.
     */
    private refuseUnknownKeys(): void {
        const all = this.lookup.keys?.();
        if (!all) return;
        const where = this.lookup.file ? ` in ${this.lookup.file}` : "";
        for (const full of all) {
            const cut = full.indexOf(":");
            const ns = cut < 0 ? this.namespace : full.slice(0, cut);
            const key = cut < 0 ? full : full.slice(cut + 1);
            if (ns === this.namespace) {
                if (this.knownKeys.has(key.split(/[.[]/)[0])) continue;
                const guess = didYouMean(key, this.knownKeys);
                this.problems.push({
                    key: full, value: "(set" + where + ")",
                    message: `is not a setting of this layer${guess ? `; did you mean ${this.qualified(guess)}?` : ""} (remove it${where})`,
                });
            } else if (FOREIGN_NAMESPACES.includes(ns)) {
                const raw = this.lookup.foreign?.(full);
                const message = providerKeyProblem(ns, key, raw?.value, raw?.secret ?? false, this.providers);
                if (message) this.problems.push({ key: full, value: raw?.secret ? "(secret)" : `(set${where})`, message });
            } else {
                const guess = didYouMean(ns, [this.namespace, ...FOREIGN_NAMESPACES]);
                this.problems.push({
                    key: full, value: "(set" + where + ")",
                    message: `is in namespace "${ns}", which nothing here reads${guess ? `; did you mean ${guess}:${key}?` : ""} (allowed: ${this.namespace}:, ${FOREIGN_NAMESPACES.map((n) => `${n}:`).join(", ")})`,
                });
            }
        }
    }

    /** A secret key of this layer that no code path asked for is unused in the chosen mode. */
    private refuseUnreadSecrets(): void {
        for (const key of this.ownKeys()) {
            if (!isSecretKey(key) || this.secretsRead.has(key) || !this.knownKeys.has(key)) continue;
            if (!this.isSecret(key)) this.problem(key, "(not shown)", plaintextSecretMessage(key));
            this.problem(key, "(secret)", `is set but nothing in this configuration uses it (${SECRET_KEYS[key].what}); remove it (pulumi config rm ${key})`);
        }
    }

    private refuseLeftovers(): void {
        if (this.env === undefined || !this.lookup.environments) return;
        const values: Record<string, string> = {};
        for (const key of this.ownKeys()) {
            if (key === "environment" || this.isSecret(key)) continue;
            const v = this.lookup(key);
            if (v !== undefined) values[key] = v;
        }
        // A key already refused (a reference to another environment's stack) is not reported twice.
        const refused = new Set(this.problems.map((p) => p.key));
        for (const [key, other] of leftovers(values, this.env, this.lookup.environments())) {
            if (refused.has(this.qualified(key))) continue;
            this.problem(key, values[key], `names environment "${other}" in a stack of environment "${this.env}": a leftover of a copied stack file; replace it with this environment's value`);
        }
    }

    private refuseNotations(): void {
        const text = this.lookup.source?.();
        if (!text) return;
        for (const p of notationProblems(text, this.namespace)) this.problems.push({ key: p.key, value: p.written, message: p.message });
    }

    /** Keys (without namespace) the stack sets in this layer's namespace. */
    private ownKeys(): string[] {
        return (this.lookup.keys?.() ?? [])
            .filter((full) => !full.includes(":") || full.startsWith(`${this.namespace}:`))
            .map((full) => (full.includes(":") ? full.slice(this.namespace.length + 1) : full));
    }

    private use(u: KeyUse): void {
        this.lookup.record?.(u);
    }

    get problemCount(): number {
        return this.problems.length;
    }

    private checked(key: string, value: string, check?: (value: string) => string | undefined): string {
        const message = check?.(value);
        if (message) this.problem(key, value, message);
        return value;
    }

    private missing<T>(key: string, fallback: T | undefined, expected: string, placeholder: T): T {
        if (fallback !== undefined) return fallback;
        this.problem(key, undefined, `is required; set it with \`pulumi config set ${this.qualified(key)} <${expected}>\``);
        return placeholder;
    }
}

function describeRange(min?: number, max?: number): string {
    if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
    if (min !== undefined) return ` >= ${min}`;
    if (max !== undefined) return ` <= ${max}`;
    return "";
}
