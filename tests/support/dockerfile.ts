/**
 * Dockerfile checks shared by the image tests: parse instructions (with line continuations),
 * evaluate a .dockerignore against a build context, and lint the shell of every RUN with shellcheck.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { requireDebianPackage } from "./debian";

export interface Instruction {
    keyword: string;
    args: string;
    line: number;
}

export function parseDockerfile(text: string): Instruction[] {
    const out: Instruction[] = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
        const start = i;
        let line = lines[i];
        if (/^\s*(#|$)/.test(line)) continue;
        while (/\\\s*$/.test(line) && i + 1 < lines.length) {
            i++;
            const next = lines[i];
            if (/^\s*#/.test(next)) continue; // comment lines inside a continuation are dropped
            // Keep "\<newline>": the shell reads it as the same continuation Docker applies.
            line = line.replace(/\\\s*$/, "\\") + "\n" + next;
        }
        const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(line);
        if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start + 1 });
    }
    return out;
}

export function readDockerfile(file: string): Instruction[] {
    return parseDockerfile(fs.readFileSync(file, "utf8"));
}

/** Shell of the shell-form RUN instructions (exec form `RUN [...]` has no shell). */
export function runScripts(instructions: Instruction[]): Array<{ line: number; script: string }> {
    return instructions
        .filter((i) => i.keyword === "RUN" && !i.args.startsWith("["))
        .map((i) => ({ line: i.line, script: i.args.replace(/^(--[a-z-]+=\S+\s+)+/, "") }));
}

/** Stages: each FROM with its image and following instructions. */
export function stages(instructions: Instruction[]): Array<{ image: string; name?: string; body: Instruction[] }> {
    const out: Array<{ image: string; name?: string; body: Instruction[] }> = [];
    for (const ins of instructions) {
        if (ins.keyword === "FROM") {
            const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(ins.args);
            out.push({ image: m ? m[1] : ins.args, name: m?.[2], body: [] });
        } else if (out.length > 0) {
            out[out.length - 1].body.push(ins);
        }
    }
    return out;
}

/** An image reference pinned to an exact version tag (x.y.z...) or a digest, never `latest`. */
export function isPinnedImage(image: string, stageNames: string[]): boolean {
    if (stageNames.includes(image)) return true;
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const tag = /:([^/:]+)$/.exec(image)?.[1];
    return tag !== undefined && tag !== "latest" && /^v?\d+\.\d+\.\d+([-.][\w.-]+)?$/.test(tag);
}

/** Runs `shellcheck -s sh -` on a script; returns its findings ("" when clean). */
export function shellcheck(script: string): { ok: boolean; output: string } {
    const r = spawnSync("shellcheck", ["-s", "sh", "-"], { input: `${script}\n`, encoding: "utf8" });
    return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Skips where shellcheck is missing, except under CI, where a missing linter is a failure. */
export function requireShellcheck(ctx: Mocha.Context): void {
    requireDebianPackage(ctx, "shellcheck");
}

/** Every RUN instruction's shell passes shellcheck (the image has at least `minimum` of them). */
export function assertRunScriptsPassShellcheck(instructions: Instruction[], minimum = 2): void {
    const scripts = runScripts(instructions);
    assert.ok(scripts.length >= minimum);
    for (const { line, script } of scripts) {
        const r = shellcheck(script);
        assert.ok(r.ok, `Dockerfile line ${line}:\n${r.output}`);
    }
}

/** One .dockerignore pattern as a RegExp over context-relative paths (Go filepath.Match plus `**`). */
function ignorePattern(pattern: string): RegExp {
    let re = "";
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "*" && pattern[i + 1] === "*") {
            re += ".*";
            i++;
            if (pattern[i + 1] === "/") i++;
        } else if (c === "*") re += "[^/]*";
        else if (c === "?") re += "[^/]";
        else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    // A pattern that names a directory excludes everything below it as well.
    return new RegExp(`^${re}(/.*)?$`);
}

/** Whether a context-relative path is excluded by .dockerignore text (last matching line wins). */
export function dockerIgnores(ignoreText: string, relPath: string): boolean {
    let excluded = false;
    for (const raw of ignoreText.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const negated = line.startsWith("!");
        const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, "").replace(/\/+$/, "");
        if (ignorePattern(pattern).test(relPath)) excluded = !negated;
    }
    return excluded;
}

/** The build context a clean checkout gives: the tracked files of `root` that exist. */
export function trackedFiles(root: string): string[] {
    const listed = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
    return listed.filter((f) => fs.existsSync(path.join(root, f)));
}

/** Files a COPY source names: the file itself, or everything below the folder. */
export function filesUnder(files: string[], source: string): string[] {
    const src = source.replace(/\/+$/, "");
    return files.filter((f) => f === src || f.startsWith(`${src}/`));
}
