/**
 * The apps layer's own images (Todo, sensor stream): `<registry>/<name>:<appsImageTag>`, where the
 * registry is `imageRegistry` or the repository owner's GHCR (apps/repository.ts) and the tag is
 * one for all four, as the images workflow pushes them together: `X.Y.Z` for a release, `sha-<7>`
 * for a main build (CI sets it for dev). A full `todoBackendImage`-style key still wins.
 */
import type { ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";
import { OWN_IMAGES, OwnImageKey, Repository } from "./repository";

export const UNKNOWN_REPOSITORY = "no PLATFORM_REPOSITORY or GITHUB_REPOSITORY variable and no GitHub origin remote";

/** Tags the images workflow pushes: a release `X.Y.Z` or a main build `sha-<short commit>`. */
export const OWN_IMAGE_TAG = /^(\d+\.\d+\.\d+|sha-[0-9a-f]{7,40})$/;

export function ownImageReader(r: ConfigReader, repository: Repository | undefined): (key: OwnImageKey) => string {
    const registry =
        r.optionalString("imageRegistry", { pattern: /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, allowed: 'a registry path like "ghcr.io/my-org" (lowercase)' }) ??
        (repository ? `ghcr.io/${repository.owner.toLowerCase()}` : undefined);
    const tag = r.optionalString("appsImageTag", { pattern: OWN_IMAGE_TAG, allowed: 'a tag the images workflow pushes: a release "1.4.0" or a main build "sha-1a2b3c4"' });
    const reported = new Set<string>();
    const once = (key: string, message: string) => {
        if (!reported.has(key)) r.problem(key, undefined, message);
        reported.add(key);
    };
    return (key) => {
        if (r.has(key)) return r.string(key, { allowed: 'an image "registry/name:tag" with a pinned tag', check: check.pinnedImage });
        if (tag === undefined && !r.has("appsImageTag")) {
            once("appsImageTag", `is required for ${Object.keys(OWN_IMAGES).join(", ")}: the tag the images workflow pushed ("1.4.0" for release v1.4.0, "sha-1a2b3c4" for a main build), or set each image key in full`);
        }
        if (registry === undefined) {
            once("imageRegistry", `is unset and the repository owner is unknown (${UNKNOWN_REPOSITORY}): pulumi config set imageRegistry ghcr.io/<owner>`);
        }
        return registry && tag ? `${registry}/${OWN_IMAGES[key]}:${tag}` : "";
    };
}
