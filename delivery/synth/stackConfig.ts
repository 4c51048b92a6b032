/**
 * Reads `stacks/Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: keys
 * namespaced by project, objects and lists as JSON text, `secure:` values kept encrypted (the
 * synth never decrypts them; it substitutes placeholders).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface StackConfigEntry {
    /** Plain value as Pulumi would pass it (JSON text for objects/lists). Empty for secure values. */
    readonly value: string;
    readonly secure: boolean;
}

export type StackConfig = Record<string, StackConfigEntry>;

export function stackFile(stacksDir: string, stack: string): string {
    return path.join(stacksDir, `Pulumi.${stack}.yaml`);
}

/** Stack names that have a config file, sorted. */
export function listStacks(stacksDir: string): string[] {
    return fs
        .readdirSync(stacksDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export function loadStackConfig(stacksDir: string, stack: string, project: string): StackConfig {
    const file = stackFile(stacksDir, stack);
    if (!fs.existsSync(file)) {
        throw new Error(`No config for stack "${stack}": ${file} does not exist`);
    }
    let doc: { config?: Record<string, unknown> };
    try {
        doc = (parse(fs.readFileSync(file, "utf8"), { uniqueKeys: true }) ?? {}) as { config?: Record<string, unknown> };
    } catch (err) {
        // The YAML library's message has line and column but not the file.
        throw new Error(`${path.relative(process.cwd(), file) || file}: not valid YAML: ${(err as Error).message}`);
    }
    if (doc.config !== undefined && (doc.config === null || typeof doc.config !== "object" || Array.isArray(doc.config))) {
        throw new Error(`${file}: "config" must be a map of keys to values`);
    }
    const config: Record<string, StackConfigEntry> = {};
    for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            config[key] = { value: "", secure: true };
        } else {
            config[key] = { value: typeof value === "string" ? value : JSON.stringify(value), secure: false };
        }
    }
    return config;
}

/** The layer a stack runs (`<project>:layer`), or undefined. */
export function stackLayer(stacksDir: string, stack: string, project: string): string | undefined {
    return loadStackConfig(stacksDir, stack, project)[`${project}:layer`]?.value;
}
