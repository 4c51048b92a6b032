/**
 * Releases tie images to stack files: a tag vX.Y.Z may deploy only when every production apps
 * stack names the X.Y.Z images (`appsImageTag`, or full image keys with that tag), and the deploy
 * pins those tags to the digests the registry holds right now, so what runs is exactly what was
 * built for the tag (a tag moved later changes nothing) and the digests are on record in the
 * stack config of the update.
 */
import * as fs from "fs";
import { parseDocument } from "yaml";
import { OWN_IMAGES, OwnImageKey } from "../../apps/repository";
import { splitImage } from "./versions";
import { lookupManifest } from "./registry";

const NS = "data-platform";

export function releaseVersion(tag: string): string | undefined {
    return /^v(\d+\.\d+\.\d+)$/.exec(tag)?.[1];
}

/** Problems of one apps stack file for a release (empty: it names the release's images). */
export function releaseProblems(file: string, label: string, tag: string): string[] {
    const version = releaseVersion(tag);
    if (!version) return [`${tag} is not a release tag vX.Y.Z`];
    const config = (parseDocument(fs.readFileSync(file, "utf8")).toJS() as { config?: Record<string, unknown> }).config ?? {};
    const problems: string[] = [];
    const tagOf = config[`${NS}:appsImageTag`];
    for (const key of Object.keys(OWN_IMAGES) as OwnImageKey[]) {
        const full = config[`${NS}:${key}`];
        if (typeof full === "string") {
            const t = splitImage(full).tag?.split("@")[0];
            if (t !== version)
                problems.push(
                    `${label}: ${NS}:${key} is ${full}; release ${tag} needs the ${version} image (or drop the key to use appsImageTag)`,
                );
        } else if (tagOf !== version) {
            problems.push(
                `${label}: ${NS}:appsImageTag is ${tagOf === undefined ? "unset" : JSON.stringify(tagOf)}; release ` +
                    `${tag} needs "${version}" (the images workflow pushed ${version} for this tag)`,
            );
            break;
        }
    }
    return problems;
}

/** The digest a tag points at now (registry.ts; `token`: the CI token for private GHCR packages). */
export async function manifestDigest(
    image: string,
    opts: { token?: string; fetchImpl?: typeof fetch; scheme?: "https" | "http" } = {},
): Promise<string> {
    const found = await lookupManifest(image, { ...opts, login: opts.token ? { username: "token", password: opts.token } : undefined });
    if (found.status === "missing")
        throw new Error(`${image} does not exist in the registry: did the images workflow push it for this tag?`);
    if (found.status !== "present") throw new Error(`${image}: ${found.detail}`);
    if (!found.digest || !/^sha256:[0-9a-f]{64}$/.test(found.digest)) throw new Error(`${image}: the registry sent no content digest`);
    return found.digest;
}

/** Writes `image:tag@digest` for each own image into an apps stack file (comments kept). */
export function pinDigests(file: string, pinned: Record<OwnImageKey, string>): void {
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    for (const [key, ref] of Object.entries(pinned)) doc.setIn(["config", `${NS}:${key}`], ref);
    fs.writeFileSync(file, doc.toString());
}

/** Sets `appsImageTag` in an apps stack file (comments kept): CI's dev deploy of a main commit. */
export function writeImageTag(file: string, tag: string): void {
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    doc.setIn(["config", `${NS}:appsImageTag`], tag);
    fs.writeFileSync(file, doc.toString());
}
