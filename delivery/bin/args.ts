/**
 * The one way the npm scripts read their command line: node's `util.parseArgs`, with the errors
 * a user can act on (`unknown option --x`, `--out needs a value`) instead of its stack traces.
 * A valued flag takes `--flag value` or `--flag=value`; a separate value may not start with `-`
 * (`--confirm-env --yes` forgot the value rather than naming an environment "--yes").
 */
import { parseArgs } from "node:util";

export interface FlagSpec {
    readonly type: "string" | "boolean";
    /** A one-letter alias, e.g. `y` for `--yes`. */
    readonly short?: string;
    /** May be given more than once; the values in order. */
    readonly multiple?: boolean;
}

/** Flags by long name, without the dashes. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type ValueOf<S extends FlagSpec> = S["type"] extends "string" ? (S["multiple"] extends true ? string[] : string) : boolean;

export interface ParsedArgs<T extends FlagSpecs> {
    /** The flags given; a flag not given is absent. */
    readonly values: { -readonly [K in keyof T]?: ValueOf<T[K]> };
    readonly positionals: string[];
}

/** A command line the script cannot run with: print the message with its usage, exit 2. */
export class UsageError extends Error {}

export function parseCommandLine<const T extends FlagSpecs>(argv: readonly string[], specs: T): ParsedArgs<T> {
    // Not strict: its own errors are worded for developers; the tokens let this say it plainly.
    const { tokens } = parseArgs({ args: [...argv], options: specs, strict: false, allowPositionals: true, tokens: true });
    const values: Record<string, string | boolean | string[]> = {};
    const positionals: string[] = [];
    for (const token of tokens) {
        if (token.kind === "positional") positionals.push(token.value);
        else if (token.kind === "option-terminator") throw new UsageError("unknown option --");
        else {
            const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
            if (!spec) throw new UsageError(`unknown option ${token.rawName}`);
            if (spec.type === "boolean") {
                if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
                values[token.name] = true;
                continue;
            }
            const v = token.value;
            if (v === undefined || v === "" || (!token.inlineValue && v.startsWith("-")))
                throw new UsageError(`${token.rawName} needs a value`);
            values[token.name] = spec.multiple ? [...((values[token.name] as string[] | undefined) ?? []), v] : v;
        }
    }
    return { values: values as ParsedArgs<T>["values"], positionals };
}

/** `parseCommandLine`, or undefined once the problem and the usage are printed (the script then exits 2). */
export function commandLineOr<const T extends FlagSpecs>(argv: readonly string[], specs: T, usage: string): ParsedArgs<T> | undefined {
    try {
        return parseCommandLine(argv, specs);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`${err.message}\n${usage}`);
        return undefined;
    }
}
