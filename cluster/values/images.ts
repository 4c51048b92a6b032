/** Splitting a pinned image reference into the parts charts ask for. */

export interface ImageParts {
    /** Registry host, e.g. "registry.k8s.io" (empty for Docker Hub short names). */
    readonly registry: string;
    /** Path below the registry, e.g. "ingress-nginx/controller". */
    readonly path: string;
    /** Last path segment, e.g. "controller". */
    readonly name: string;
    /** Path without the last segment, e.g. "ingress-nginx". */
    readonly namespace: string;
    readonly tag: string;
}

export function splitImage(ref: string): ImageParts {
    const colon = ref.lastIndexOf(":");
    if (colon <= ref.lastIndexOf("/")) throw new Error(`image ${ref} has no tag`);
    const repo = ref.slice(0, colon);
    const tag = ref.slice(colon + 1);
    const segments = repo.split("/");
    // A first segment with a dot or a port is a registry host (the Docker reference rule).
    const hasRegistry = segments.length > 1 && /[.:]|^localhost$/.test(segments[0]);
    const registry = hasRegistry ? segments[0] : "";
    const pathSegments = hasRegistry ? segments.slice(1) : segments;
    return {
        registry,
        path: pathSegments.join("/"),
        name: pathSegments[pathSegments.length - 1],
        namespace: pathSegments.slice(0, -1).join("/"),
        tag,
    };
}

/** `registry/path` without the tag. */
export function repository(ref: string): string {
    const parts = splitImage(ref);
    return parts.registry ? `${parts.registry}/${parts.path}` : parts.path;
}
