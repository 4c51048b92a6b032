/** The problems a `ConfigReader` records, and the error that lists them all at once. */

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

/** Renders a value for an error message; long values are cut so secrets-by-mistake stay short. */
export function show(value: unknown): string {
    if (value === undefined) return "(unset)";
    const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A problem with a key of `namespace` (reported as `namespace:key`); `value` is shown as given. */
export function problemOf(namespace: string, key: string, value: unknown, message: string): ConfigProblem {
    return { key: `${namespace}:${key}`, value: show(value), message };
}
