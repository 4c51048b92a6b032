/**
 * The running stack's config as a strict `ConfigLookup`: every key the stack file sets is checked,
 * secrets are known as such, and the stack file itself (name, text, neighbours) is at hand for
 * the consistency checks.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigLookup, strictLookup } from "./reader";

/** Where stack files live: `stacks/` of the project (Pulumi.yaml's stackConfigDir); the offline synth points it elsewhere. */
let stacksDir = path.join(__dirname, "..", "..", "stacks");

export function setStacksDir(dir: string): void {
    stacksDir = dir;
}

const LAYER_SUFFIX = /^Pulumi\.(.+)-(infra|cluster|apps)\.yaml$/;

/** Environments with stack files in the stacks directory. */
export function environmentsIn(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return [
        ...new Set(
            fs
                .readdirSync(dir)
                .map((f) => LAYER_SUFFIX.exec(f)?.[1])
                .filter((e): e is string => e !== undefined),
        ),
    ];
}

export function stackLookup(): ConfigLookup {
    const config = new pulumi.Config();
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const file = path.join(stacksDir, `Pulumi.${stack}.yaml`);
    const runtime = pulumi.runtime as unknown as { isConfigSecret?(fullKey: string): boolean };
    return strictLookup(
        (key) => config.get(key),
        () => Object.keys(pulumi.runtime.allConfig()),
        `stacks/Pulumi.${stack}.yaml`,
        {
            isSecret: (key) => runtime.isConfigSecret?.(`${project}:${key}`) ?? false,
            stack,
            environments: () => environmentsIn(stacksDir),
            source: () => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined),
            foreign: (fullKey) => ({ value: pulumi.runtime.allConfig()[fullKey], secret: runtime.isConfigSecret?.(fullKey) ?? false }),
        },
    );
}
