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
import { isSecretKey, plaintextSecretMessage } from "./secrets";
import { environmentMismatch } from "./consistency";
import type { KeyUse } from "./keyUse";
import { lookupExtras, type ConfigLookup } from "./lookup";
import { ConfigValidationError, problemOf, type ConfigProblem } from "./problems";
import { describeRange, integerOf, isStringMap, listProblems } from "./valueShapes";
import { leftoverProblems, notationKeyProblems, unknownKeyProblems, unreadSecretProblems, type ReadState } from "./wholeStackChecks";

// The lookup and the problems live beside the reader; importers keep reading them from here.
export { didYouMean, editDistance } from "./didYouMean";
export { FOREIGN_NAMESPACES, strictLookup, withSecrets, type ConfigLookup } from "./lookup";
export { ConfigValidationError, show, type ConfigProblem } from "./problems";

/** Keys every stack has, read outside the layers (program.ts). */
const ALWAYS_KNOWN = ["layer"];

interface Optional<T> {
    /** Value used when the key is absent. Without it, an absent key is a problem. */
    readonly default?: T;
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
        }, lookupExtras(raw));
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
            this.problem(
                key,
                "(secret)",
                `is set but not used: ${opts.unusedBecause}; remove it (pulumi config rm ${key}) or configure what it is for`,
            );
            return undefined;
        }
        return this.lookup(key);
    }

    /** The `environment` key, which must match the stack name `<environment>-<layer>`. */
    environment(layer: string): string {
        const env = this.string("environment", {
            pattern: /^[a-z][a-z0-9-]{0,15}$/,
            allowed: 'a short lowercase name like "dev" or "prod" (max 16 chars)',
        });
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
        this.add(problemOf(this.namespace, key, value, message));
    }

    private add(p: ConfigProblem): void {
        // A value failing both its pattern and its check would otherwise be reported twice.
        if (!this.problems.some((q) => q.key === p.key && q.value === p.value && q.message === p.message)) this.problems.push(p);
    }

    has(key: string): boolean {
        return this.lookup(key) !== undefined;
    }

    /**
     * A non-empty string, optionally restricted by a pattern (described by `allowed`) and by a
     * `check` (one of lib/config/checks.ts), which also applies to the default.
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
        const { value, problem } = integerOf(raw, opts.min, opts.max);
        if (problem) this.problem(key, value ?? raw, problem);
        return value ?? opts.default ?? opts.min ?? 0;
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
    stringList(key: string, opts: Optional<string[]> & { check?: (item: string) => string | undefined; minItems?: number } = {}): string[] {
        this.use({ key, kind: "list", default: opts.default, check: opts.check, minItems: opts.minItems });
        const value = this.json<unknown>(key, { default: opts.default, expected: "a list of strings" });
        if (value === undefined) return [];
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
            this.problem(key, value, "must be a list of strings");
            return [];
        }
        const items = value as string[];
        for (const f of listProblems(key, items, opts)) this.problem(f.key, f.value, f.message);
        return items;
    }

    /** A map of string → string (e.g. labels). */
    stringMap(key: string, opts: Optional<Record<string, string>> = {}): Record<string, string> {
        this.use({ key, kind: "map", default: opts.default });
        const value = this.json<unknown>(key, { default: opts.default, expected: "a map of string to string" });
        if (value === undefined) return {};
        if (!isStringMap(value)) {
            this.problem(key, value, "must be a map of string to string");
            return {};
        }
        return value;
    }

    /** Throws a `ConfigValidationError` listing every recorded problem (and unknown keys), if any. */
    finish(): void {
        const state: ReadState = {
            namespace: this.namespace,
            lookup: this.lookup,
            knownKeys: this.knownKeys,
            secretsRead: this.secretsRead,
            env: this.env,
            providers: this.providers,
            problems: this.problems,
        };
        // In this order: the leftover check reads the problems the checks before it pushed.
        for (const check of [unknownKeyProblems, unreadSecretProblems, leftoverProblems, notationKeyProblems]) {
            for (const p of check(state)) this.add(p);
        }
        if (this.problems.length > 0) throw new ConfigValidationError(this.scope, this.problems);
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
