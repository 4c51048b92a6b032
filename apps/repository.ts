/**
 * The GitHub repository this deployment comes from. The apps layer's own images live in that
 * repository owner's registry (`ghcr.io/<owner>/<name>:<tag>`, pushed by the images workflow)
 * and Airflow syncs its DAGs from it, so nothing owner-specific is written in the stack files.
 *
 * Order: `PLATFORM_REPOSITORY` (an explicit choice; the offline synth sets a stand-in),
 * `GITHUB_REPOSITORY` (set by GitHub Actions), then the `origin` remote of the checkout.
 */
import { execFileSync } from "child_process";

export interface Repository {
    readonly owner: string;
    readonly name: string;
    /** Where the value came from, for messages. */
    readonly source: string;
}

const SLUG = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100}?)(?:\.git)?$/;

/** `owner/name` from a GitHub remote URL (https or ssh), undefined for other hosts. */
export function parseGitHubRemote(url: string): { owner: string; name: string } | undefined {
    const m = /^(?:https:\/\/(?:[^@/]+@)?github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)(.+?)\/?$/.exec(url.trim());
    const slug = m ? SLUG.exec(m[1]) : undefined;
    return slug ? { owner: slug[1], name: slug[2] } : undefined;
}

export function resolveRepository(env: NodeJS.ProcessEnv, originUrl: () => string | undefined): Repository | undefined {
    for (const key of ["PLATFORM_REPOSITORY", "GITHUB_REPOSITORY"]) {
        const m = SLUG.exec(env[key] ?? "");
        if (m) return { owner: m[1], name: m[2], source: key };
    }
    const url = originUrl();
    const parsed = url ? parseGitHubRemote(url) : undefined;
    return parsed ? { ...parsed, source: "the origin remote" } : undefined;
}

/**
 * The repository of this run: an explicit PLATFORM_REPOSITORY, then `standIn` (the offline synth
 * passes one so its output does not depend on the checkout's remote or CI's variables; a real
 * `pulumi up` never does), then CI's GITHUB_REPOSITORY or the origin remote. Pure but for git.
 */
export function currentRepository(env: NodeJS.ProcessEnv, cwd: string, standIn?: Repository): Repository | undefined {
    if (env.PLATFORM_REPOSITORY) return resolveRepository({ PLATFORM_REPOSITORY: env.PLATFORM_REPOSITORY }, () => undefined);
    return standIn ?? resolveRepository(env, () => gitOrigin(cwd));
}

/** The checkout's origin URL, or undefined (no git, no remote). */
export function gitOrigin(cwd: string): string | undefined {
    try {
        return (
            execFileSync("git", ["remote", "get-url", "origin"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() ||
            undefined
        );
    } catch {
        return undefined;
    }
}

/** The four images the images workflow builds, by config key. */
export const OWN_IMAGES = {
    todoBackendImage: "todo-backend",
    todoFrontendImage: "todo-frontend",
    streamProducerImage: "sensor-producer",
    streamProcessorImage: "sensor-processor",
} as const;

export type OwnImageKey = keyof typeof OWN_IMAGES;
