/**
 * The pure rules behind the reader's typed getters: what a raw config string must look like to
 * be an integer, and what a parsed list or map must hold. They return what is wrong (key, value,
 * message) and leave recording it to the reader, so each rule is tested without one.
 */

/** A problem the reader records as `key`: `message`, showing `value`. */
export interface Found {
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
}

/** " between 1 and 5", " >= 1", " <= 5" or "", for the messages of integer keys. */
export function describeRange(min?: number, max?: number): string {
    if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
    if (min !== undefined) return ` >= ${min}`;
    if (max !== undefined) return ` <= ${max}`;
    return "";
}

/** A raw value as a decimal integer within [min, max]: the number, or what is wrong with it. */
export function integerOf(raw: string, min?: number, max?: number): { value?: number; problem?: string } {
    const range = describeRange(min, max);
    const value = Number(raw);
    // Decimal digits only: Number() would also take "0x10", "1e3", " 7" or "0b11".
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value)) return { problem: `must be a decimal integer${range}` };
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) return { value, problem: `must be an integer${range}` };
    return { value };
}

/** What is wrong with a list's length and items: too few, an item its check refuses, a repeat. */
export function listProblems(
    key: string,
    items: readonly string[],
    opts: { readonly check?: (item: string) => string | undefined; readonly minItems?: number },
): Found[] {
    const found: Found[] = [];
    if (opts.minItems !== undefined && items.length < opts.minItems) {
        found.push({ key, value: items, message: `must list at least ${opts.minItems} item${opts.minItems === 1 ? "" : "s"}` });
    }
    items.forEach((item, i) => {
        const message = opts.check?.(item);
        if (message) found.push({ key: `${key}[${i}]`, value: item, message });
        // Duplicates name the same resource twice (duplicate URNs the engine rejects).
        const first = items.indexOf(item);
        if (first !== i) found.push({ key: `${key}[${i}]`, value: item, message: `repeats ${key}[${first}]; list each entry once` });
    });
    return found;
}

/** Whether a parsed value is a map of string to string (not an array, not null, no other values). */
export function isStringMap(value: unknown): value is Record<string, string> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}
