/**
 * Builds a service image's stages without a Docker engine, as a stand-in for `docker build`: each
 * stage is a folder; COPY takes files from the build context as the Dockerfile's ignore file
 * admits them (or from an earlier stage's folder), WORKDIR moves within the stage, RUN executes
 * the stage's shell in it. What it cannot do is run the base image: RUN uses this machine's
 * sh and the Node on PATH (the tests run on the images' Node release), and `npm ci` reads the
 * npm cache that the root `npm ci` filled, so it works offline.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { dockerIgnores, filesUnder, readDockerfile, trackedFiles, type Instruction } from "../support/dockerfile";
import { tempDir } from "../support/tempDir";

export interface BuiltStage {
    readonly name: string;
    readonly image: string;
    /** Host folder standing in for the stage's `/`. */
    readonly root: string;
    /** WORKDIR at the end of the stage (absolute inside the stage). */
    readonly workdir: string;
    readonly env: Record<string, string>;
    readonly cmd?: string[];
}

export interface ImageBuild {
    readonly stages: BuiltStage[];
    readonly final: BuiltStage;
    /** Runs the final stage's CMD from its WORKDIR with `env`; returns exit code and output. */
    runCmd(env: Record<string, string>, timeoutMs?: number): { status: number | null; output: string };
    remove(): void;
}

/** Files of the build context that the ignore file admits (tracked files only: a clean checkout). */
function contextFiles(context: string, ignoreText: string): string[] {
    return trackedFiles(context).filter((f) => !dockerIgnores(ignoreText, f));
}

function copyInto(fromRoot: string, files: string[], source: string, destination: string): void {
    const src = source.replace(/\/+$/, "");
    const matches = filesUnder(files, src);
    if (matches.length === 0) throw new Error(`COPY ${source}: not in the build context (missing or excluded by the ignore file)`);
    const intoDir = destination.endsWith("/") || matches.length > 1 || matches[0] !== src;
    for (const f of matches) {
        const rel = f === src ? path.basename(f) : path.relative(src, f);
        const target = intoDir ? path.join(destination, rel) : destination;
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.cpSync(path.join(fromRoot, f), target, { verbatimSymlinks: true });
    }
}

/** Shell words of a COPY line without its flags, and its flags. */
function copyArgs(ins: Instruction): { flags: Record<string, string>; sources: string[]; destination: string } {
    const words = ins.args.split(/\s+/);
    const flags: Record<string, string> = {};
    while (words[0]?.startsWith("--")) {
        const [k, v] = words.shift()!.slice(2).split("=");
        flags[k] = v ?? "";
    }
    return { flags, sources: words.slice(0, -1), destination: words[words.length - 1] };
}

/** Builds every stage of `dockerfile` with `context` as build context. */
export function buildImage(dockerfile: string, context: string): ImageBuild {
    const ignoreText = fs.readFileSync(`${dockerfile}.dockerignore`, "utf8");
    const files = contextFiles(context, ignoreText);
    const work = tempDir("image-build");
    const stages: BuiltStage[] = [];
    let current: { name: string; image: string; root: string; workdir: string; env: Record<string, string>; cmd?: string[] } | undefined;
    const finish = () => current && stages.push({ ...current });
    const inStage = (p: string) => path.join(current!.root, path.posix.isAbsolute(p) ? p : path.posix.join(current!.workdir, p));
    try {
        for (const ins of readDockerfile(dockerfile)) {
            if (ins.keyword === "FROM") {
                finish();
                const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(ins.args)!;
                const name = m[2] ?? String(stages.length);
                current = { name, image: m[1], root: path.join(work, name), workdir: "/", env: {} };
                fs.mkdirSync(current.root, { recursive: true });
            } else if (!current) {
                continue;
            } else if (ins.keyword === "WORKDIR") {
                current.workdir = path.posix.resolve(current.workdir, ins.args);
                fs.mkdirSync(inStage("."), { recursive: true });
            } else if (ins.keyword === "ENV") {
                for (const m of ins.args.matchAll(/(\w+)=(\S+)/g)) current.env[m[1]] = m[2];
            } else if (ins.keyword === "COPY") {
                const { flags, sources, destination } = copyArgs(ins);
                const target = inStage(destination) + (destination.endsWith("/") ? "/" : "");
                for (const source of sources) {
                    if (flags.from !== undefined) {
                        const from = stages.find((s) => s.name === flags.from);
                        if (!from) throw new Error(`COPY --from=${flags.from}: no such stage`);
                        const abs = path.join(from.root, source);
                        if (!fs.existsSync(abs)) throw new Error(`COPY --from=${flags.from} ${source}: not produced by that stage`);
                        fs.mkdirSync(path.dirname(target), { recursive: true });
                        fs.cpSync(abs, target, { recursive: true, verbatimSymlinks: true });
                    } else {
                        copyInto(context, files, source, target);
                    }
                }
            } else if (ins.keyword === "RUN") {
                const r = spawnSync("sh", ["-ec", ins.args], {
                    cwd: inStage("."),
                    env: { ...process.env, ...current.env, npm_config_prefer_offline: "true", npm_config_update_notifier: "false" },
                    encoding: "utf8",
                });
                if (r.status !== 0)
                    throw new Error(`RUN (Dockerfile line ${ins.line}) failed (${r.status}):\n${ins.args}\n${r.stdout}${r.stderr}`);
            } else if (ins.keyword === "CMD") {
                current.cmd = JSON.parse(ins.args) as string[];
            }
        }
        finish();
    } catch (e) {
        fs.rmSync(work, { recursive: true, force: true });
        throw e;
    }
    const final = stages[stages.length - 1];
    return {
        stages,
        final,
        runCmd(env, timeoutMs = 15_000) {
            if (!final.cmd) throw new Error("the final stage has no CMD");
            const [cmd, ...args] = final.cmd;
            const r = spawnSync(cmd === "node" ? process.execPath : cmd, args, {
                cwd: path.join(final.root, final.workdir),
                env: { PATH: process.env.PATH ?? "", ...final.env, ...env },
                encoding: "utf8",
                timeout: timeoutMs,
            });
            return { status: r.status, output: `${r.stdout}${r.stderr}` };
        },
        remove: () => fs.rmSync(work, { recursive: true, force: true }),
    };
}
