/**
 * Container image references, parsed by the distribution grammar rather than matched by shape:
 * `[registry[:port]/]path[:tag][@sha256:digest]`. A pinned reference names a version: a tag with
 * a version number in it, or a digest. Floating tags (`latest`, `alpine`, `stable`, a major version
 * alone like `17` or `3-slim`) and bare numbers (a YAML number where an image was meant) are refused.
 */

const COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const REGISTRY = /^(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+)(:\d{1,5})?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const IMAGE_ALLOWED =
    'an image "registry/name:version" like "docker.io/library/postgres:17.6" ' +
    'or "ghcr.io/org/app:1.4.0", or pinned by digest "name@sha256:<64 hex>"';

export interface ImageRef {
    readonly registry?: string;
    readonly path: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** The parts of a reference, or what is wrong with its grammar. */
export function parseImageRef(value: string): ImageRef | string {
    if (value.trim() !== value || value === "") return `must be ${IMAGE_ALLOWED} (no spaces)`;
    if (/^\d+(\.\d+)?$/.test(value)) return `is a bare number; must be ${IMAGE_ALLOWED}`;
    let rest = value;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!DIGEST.test(digest)) return `has digest "${digest}"; a digest is "sha256:" and 64 lowercase hex characters`;
    }
    let tag: string | undefined;
    const slash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    if (colon > slash) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag)) return `has tag "${tag}"; a tag is letters, digits, '_', '.', '-' (at most 128, not starting with '.' or '-')`;
    }
    const parts = rest.split("/");
    let registry: string | undefined;
    if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost")) registry = parts.shift();
    if (registry !== undefined && !REGISTRY.test(registry)) return `has registry "${registry}"; must be a host name with an optional :port`;
    const bad = parts.find((p) => !COMPONENT.test(p));
    if (bad !== undefined) return `has name component "${bad}"; names are lowercase letters and digits separated by '.', '_', '__' or '-'`;
    return { registry, path: parts.join("/"), tag, digest };
}

/** Undefined for a pinned reference; else what is wrong and what is allowed. */
export function pinnedImage(value: string): string | undefined {
    const ref = parseImageRef(value);
    if (typeof ref === "string") return ref;
    if (ref.digest) return undefined;
    if (ref.tag === undefined) return `has no tag: an untagged image is "latest", which moves; must be ${IMAGE_ALLOWED}`;
    if (ref.tag === "latest") return `must pin a version tag; "latest" is not allowed (${IMAGE_ALLOWED})`;
    if (!/\d/.test(ref.tag))
        return (
            `has the floating tag "${ref.tag}" (no version in it): it moves with every upstream release; use a ` +
            `version tag like "${ref.path.split("/").pop()}:1.2.3-${ref.tag}" or a digest`
        );
    // A major-only tag ("17", "3-slim", "v2") is re-pointed at every minor and patch release.
    if (/^v?\d{1,3}(-[A-Za-z][A-Za-z0-9_.-]*)?$/.test(ref.tag)) {
        return (
            `has the major-version tag "${ref.tag}": it moves with every minor and patch release, so nodes ` +
            `pulling at different times run different versions; pin the full version, like ` +
            `"${ref.path.split("/").pop()}:${ref.tag.replace(/^(v?\d+)/, "$1.x.y")}", or a digest`
        );
    }
    if (/^\d+$/.test(ref.path.split("/").pop()!)) return `has the name "${ref.path}", a bare number; must be ${IMAGE_ALLOWED}`;
    return undefined;
}
