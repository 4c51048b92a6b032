/**
 * The providers' source as replace-tables reads it (delivery/bin/replaceTables.ts): bare clones
 * of their repositories, read at the release tags the lockfile pins, and the bridge's files.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Metadata, PulumiSchema } from "./extract/terraform";

/** A problem with the provider source the user can fix: printed as one message, no stack trace. */
export class SourceError extends Error {}

export interface Origin {
    readonly repo: string;
    readonly ref: string;
    readonly commit: string;
    readonly files: string[];
    readonly note?: string;
}

export class Repo {
    readonly dir: string;
    /** `mirror` holds bare clones as `<owner>+<name>/repo`; `allowStandIn` lets a missing tag fall back to HEAD. */
    constructor(
        mirror: string,
        readonly name: string,
        private readonly allowStandIn: boolean,
    ) {
        this.dir = path.join(mirror, name.replace("/", "+"), "repo");
        if (!fs.existsSync(this.dir)) {
            throw new SourceError(`no clone of ${name} at ${this.dir}: git clone --bare https://github.com/${name} ${this.dir}`);
        }
    }
    git(args: string[]): string {
        return execFileSync("git", ["--git-dir", this.dir, ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
    }
    /** The commit of `ref`, or undefined when the clone does not have it. */
    commit(ref: string): string | undefined {
        try {
            return this.git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim();
        } catch {
            return undefined;
        }
    }
    /** `ref` if present; else (only with --allow-stand-in) the clone's HEAD, with a note saying so. */
    pick(ref: string): { ref: string; commit: string; note?: string } {
        const exact = this.commit(ref);
        if (exact) return { ref, commit: exact };
        if (!this.allowStandIn) {
            throw new SourceError(
                `${ref} is not in the clone of ${this.name} at ${this.dir}: ` +
                    `git --git-dir ${this.dir} fetch https://github.com/${this.name} tag ${ref} ` +
                    "(or --allow-stand-in to read its newest commit instead, recorded in the table)",
            );
        }
        const head = this.commit("HEAD")!;
        const date = this.git(["show", "-s", "--format=%cs", head]).trim();
        return {
            ref: "HEAD",
            commit: head,
            note: `${ref} is not in the stored clone of ${this.name}; its newest commit (${head.slice(0, 12)}, ${date}) stands in`,
        };
    }
    show(commit: string, file: string): string {
        return this.git(["show", `${commit}:${file}`]);
    }
    ls(commit: string, dir: string): string[] {
        return this.git(["ls-tree", "--name-only", `${commit}:${dir}`])
            .split("\n")
            .filter(Boolean)
            .map((f) => `${dir}/${f}`);
    }
}

/** Upstream module version from the bridge's go.mod: a tag, or the commit of a pseudo-version. */
export function upstreamRef(goMod: string, module: string): string {
    const m = new RegExp(`${module.replace(/[./]/g, "\\$&")}\\s+(v\\S+)`).exec(goMod);
    if (!m) throw new Error(`${module} not in go.mod`);
    const pseudo = /-\d{14}-([0-9a-f]{12})$/.exec(m[1]);
    return pseudo ? pseudo[1] : m[1];
}

export function bridgeFiles(repo: Repo, commit: string, name: string): { schema: PulumiSchema; meta: Metadata; files: string[] } {
    const dir = `provider/cmd/pulumi-resource-${name}`;
    return {
        schema: JSON.parse(repo.show(commit, `${dir}/schema.json`)) as PulumiSchema,
        meta: JSON.parse(repo.show(commit, `${dir}/bridge-metadata.json`)) as Metadata,
        files: [`${dir}/schema.json`, `${dir}/bridge-metadata.json`, "provider/go.mod"],
    };
}
