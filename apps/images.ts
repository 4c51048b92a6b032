/**
 * The apps layer's own images (Todo, sensor stream): `<registry>/<name>:<appsImageTag>`, where the
 * registry is `imageRegistry` or the repository owner's GHCR (apps/repository.ts) and the tag is
 * one for all four, as the images workflow pushes them together: `X.Y.Z` for a release, `sha-<7>`
 * for a main build (CI sets it for dev). A full `todoBackendImage`-style key still wins.
 *
 * `imageRegistry` is a registry path (`"ghcr.io/my-org"`), or an object `{ server, username }`
 * when pulls need a credential: `server` the same path (default: the owner's GHCR), `username` the
 * pull user, and the secret `imageRegistryToken` its token or password (apps/pullSecret.ts).
 */
import type { ConfigReader } from "../lib/config/reader";
import * as check from "../lib/config/checks";
import { OWN_IMAGES, OwnImageKey, Repository } from "./repository";

export const UNKNOWN_REPOSITORY = "no PLATFORM_REPOSITORY or GITHUB_REPOSITORY variable and no GitHub origin remote";

/** Tags the images workflow pushes: a release `X.Y.Z` or a main build `sha-<short commit>`. */
export const OWN_IMAGE_TAG = /^(\d+\.\d+\.\d+|sha-[0-9a-f]{7,40})$/;

const REGISTRY_PATH = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/;
const REGISTRY_ALLOWED =
    'a registry path like "ghcr.io/my-org" (lowercase), or { server: ' +
    '"ghcr.io/my-org", username: "<pull user>" } with the secret imageRegistryToken';

/** A pull credential for one registry host (secret `password`: wrap before it reaches a resource). */
export interface RegistryCredential {
    /** `host[:port]`, the key of the dockerconfigjson `auths` and of `docker login`. */
    readonly server: string;
    readonly username: string;
    readonly password: string;
}

/** The registry host of an image reference or registry path (`ghcr.io/org/x:1` → `ghcr.io`). */
export function registryHost(reference: string): string {
    return reference.split("/")[0];
}

/** `imageRegistry` (string or object) and `imageRegistryToken`: the own images' registry path and pull credential. */
export function readImageRegistry(r: ConfigReader, repository: Repository | undefined): { path?: string; credential?: RegistryCredential } {
    const fallback = repository ? `ghcr.io/${repository.owner.toLowerCase()}` : undefined;
    let path: string | undefined = fallback;
    let username: string | undefined;
    // Pulumi hands an object over as JSON, a plain path as the string itself.
    const raw = r.optionalString("imageRegistry");
    const value: unknown = raw !== undefined && raw.trim().startsWith("{") ? parseJson(raw) : raw;
    if (typeof value === "string") {
        if (!REGISTRY_PATH.test(value)) r.problem("imageRegistry", value, `must be ${REGISTRY_ALLOWED}`);
        path = value;
    } else if (value !== undefined) {
        const o = value as Record<string, unknown>;
        const extra =
            typeof o === "object" && o !== null && !Array.isArray(o)
                ? Object.keys(o).filter((k) => k !== "server" && k !== "username")
                : ["(not an object)"];
        if (extra.length > 0 || (o.server !== undefined && typeof o.server !== "string") || typeof o.username !== "string") {
            r.problem(
                "imageRegistry",
                value,
                `must be ${REGISTRY_ALLOWED}${extra.length > 0 ? ` (unknown field ${extra.join(", ")})` : ""}`,
            );
        } else {
            if (typeof o.server === "string") {
                if (!REGISTRY_PATH.test(o.server))
                    r.problem("imageRegistry.server", o.server, 'must be a registry path like "ghcr.io/my-org" (lowercase)');
                path = o.server;
            }
            if (!/^[^\s:]+$/.test(o.username as string))
                r.problem("imageRegistry.username", o.username, 'must be a user name (no spaces or ":")');
            username = o.username as string;
        }
    }
    const token = r.secret("imageRegistryToken", {
        used: username !== undefined,
        unusedBecause:
            "imageRegistry names no username (set imageRegistry to { server, username } for a registry that needs a pull credential)",
    });
    if (username !== undefined && token === undefined) {
        r.problem(
            "imageRegistryToken",
            undefined,
            `is required with imageRegistry.username: pulumi config set --secret ` +
                `imageRegistryToken <token> (for GHCR a token with read:packages)`,
        );
    }
    if (username !== undefined && token !== undefined && path !== undefined) {
        return { path, credential: { server: registryHost(path), username, password: token } };
    }
    return { path };
}

export function ownImageReader(
    r: ConfigReader,
    repository: Repository | undefined,
    registry: string | undefined = readImageRegistry(r, repository).path,
): (key: OwnImageKey) => string {
    const tag = r.optionalString("appsImageTag", {
        pattern: OWN_IMAGE_TAG,
        allowed: 'a tag the images workflow pushes: a release "1.4.0" or a main build "sha-1a2b3c4"',
    });
    const reported = new Set<string>();
    const once = (key: string, message: string) => {
        if (!reported.has(key)) r.problem(key, undefined, message);
        reported.add(key);
    };
    return (key) => {
        if (r.has(key)) return r.string(key, { allowed: 'an image "registry/name:tag" with a pinned tag', check: check.pinnedImage });
        if (tag === undefined && !r.has("appsImageTag")) {
            once(
                "appsImageTag",
                `is required for ${Object.keys(OWN_IMAGES).join(", ")}: the tag the images workflow pushed ("1.4.0" ` +
                    `for release v1.4.0, "sha-1a2b3c4" for a main build), or set each image key in full`,
            );
        }
        if (registry === undefined) {
            once(
                "imageRegistry",
                `is unset and the repository owner is unknown (${UNKNOWN_REPOSITORY}): pulumi config set imageRegistry ghcr.io/<owner>`,
            );
        }
        return registry && tag ? `${registry}/${OWN_IMAGES[key]}:${tag}` : "";
    };
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return [text];
    }
}
