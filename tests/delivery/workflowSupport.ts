/**
 * The repository's GitHub workflows as the workflow tests read them: the files, parsed, their
 * triggers and `uses:` references, and the action SHAs checked against their release tags.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "../../delivery/synth/stacks";

export const DIR = path.join(ROOT, ".github", "workflows");
export const files = fs.existsSync(DIR)
    ? fs
          .readdirSync(DIR)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
    : [];

export type Workflow = {
    on?: any;
    true?: any;
    permissions?: unknown;
    env?: Record<string, string>;
    jobs: Record<string, any>;
    concurrency?: unknown;
};
export const load = (file: string): Workflow => parse(fs.readFileSync(path.join(DIR, file), "utf8")) as Workflow;
export const triggers = (wf: Workflow) => wf.on ?? wf.true;

/** Every `uses:` of a workflow (job-level reusable workflows and steps). */
export function usesOf(wf: Workflow): string[] {
    return Object.values(wf.jobs).flatMap((job: any) =>
        [job.uses, ...(job.steps ?? []).map((s: any) => s.uses)].filter((u): u is string => typeof u === "string"),
    );
}

/** Why a `uses:` reference is not pinned, or undefined when it is. */
export function unpinned(uses: string): string | undefined {
    if (uses.startsWith(".")) return undefined;
    if (uses.startsWith("docker://"))
        return /@sha256:[0-9a-f]{64}$|:[\w.-]+$/.test(uses) && !/:latest$/.test(uses)
            ? undefined
            : "docker image without a pinned tag or digest";
    const at = uses.lastIndexOf("@");
    if (at < 0) return "no ref";
    const ref = uses.slice(at + 1);
    if (/^[0-9a-f]{40}$/.test(ref)) return undefined;
    if (/^v\d+(\.\d+){0,2}$/.test(ref)) return undefined;
    return `ref "${ref}" is a branch or a moving name, not a tag or SHA`;
}

/**
 * Every action SHA the workflows use, with the release tag it was checked against: the tag
 * dereferenced to its commit (`git rev-parse <tag>^{commit}` in a clone of the action's
 * repository) is this SHA. A new pin is added here after the same check.
 */
export const VERIFIED_PINS: Record<string, string> = {
    "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1": "v7.0.1",
    "actions/setup-node@249970729cb0ef3589644e2896645e5dc5ba9c38": "v6.5.0",
    "actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd": "v8.0.0",
    "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": "v7.0.0",
    "docker/setup-buildx-action@e468171a9de216ec08956ac3ada2f0791b6bd435": "v3.11.1",
    "docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772": "v3.4.0",
    "docker/metadata-action@c1e51972afc2121e065aed6d45c65596fe445f3f": "v5.8.0",
    "docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83": "v6.18.0",
};

/** `uses:` lines of a workflow's text, with the comment after them. */
export function usesLines(text: string): { uses: string; comment?: string }[] {
    return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(.*))?$/gm)].map((m) => ({ uses: m[1], comment: m[2]?.trim() }));
}
