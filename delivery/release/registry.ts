/**
 * A small client of the OCI distribution API (the Docker Registry HTTP API v2): does an image
 * reference resolve to a manifest? `HEAD /v2/<name>/manifests/<tag or digest>` with the Accept
 * headers of every manifest kind the images workflow may push (OCI index/manifest, Docker
 * list/manifest). Anonymous first; on `401` it follows the registry's `WWW-Authenticate`
 * challenge: `Bearer` (GHCR, Docker Hub) asks the named realm for a pull token, with the
 * credential as basic auth when there is one; `Basic` (a registry with htpasswd) sends the
 * credential directly. Only `fetch` is effectful, and it can be passed in.
 */

export interface RegistryLogin {
    readonly username: string;
    readonly password: string;
}

export interface ImageReference {
    /** `host[:port]` */
    readonly host: string;
    /** Repository path inside the registry (`org/todo-backend`). */
    readonly name: string;
    /** Tag or `sha256:` digest (a digest wins over a tag in `name:tag@sha256:...`). */
    readonly reference: string;
}

export type ManifestLookup =
    | { readonly status: "present"; readonly digest?: string }
    | { readonly status: "missing" }
    | { readonly status: "denied"; readonly detail: string }
    | { readonly status: "error"; readonly detail: string };

export const MANIFEST_ACCEPT = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `host[:port]/path/name:tag[@sha256:...]`; the host part is required (own images always name theirs). */
export function parseImageReference(image: string): ImageReference {
    const at = image.indexOf("@");
    const withoutDigest = at >= 0 ? image.slice(0, at) : image;
    const digest = at >= 0 ? image.slice(at + 1) : undefined;
    const slash = withoutDigest.indexOf("/");
    const lastColon = withoutDigest.lastIndexOf(":");
    const tagged = lastColon > withoutDigest.lastIndexOf("/");
    const repository = tagged ? withoutDigest.slice(0, lastColon) : withoutDigest;
    const tag = tagged ? withoutDigest.slice(lastColon + 1) : undefined;
    const host = withoutDigest.slice(0, slash);
    if (slash < 0 || !/[.:]|^localhost$/.test(host) || !(digest ?? tag)) {
        throw new Error(`${image} is not a full image reference "registry-host/name:tag"`);
    }
    return { host, name: repository.slice(slash + 1), reference: digest ?? tag! };
}

/** The parameters of a `WWW-Authenticate` header (`Bearer realm="...",service="...",scope="..."`). */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
    const scheme = /^\s*(\S+)/.exec(header)?.[1] ?? "";
    const params: Record<string, string> = {};
    for (const m of header.slice(scheme.length).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[m[1].toLowerCase()] = m[2];
    return { scheme: scheme.toLowerCase(), params };
}

export interface LookupOptions {
    readonly login?: RegistryLogin;
    /** `http` for a registry on loopback without TLS (tests); default https. */
    readonly scheme?: "https" | "http";
    readonly fetchImpl?: typeof fetch;
}

const basic = (login: RegistryLogin) => `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`;

/** Whether `image` resolves in its registry, and its digest when the registry says. */
export async function lookupManifest(image: string, opts: LookupOptions = {}): Promise<ManifestLookup> {
    const doFetch = opts.fetchImpl ?? fetch;
    const ref = parseImageReference(image);
    const url = `${opts.scheme ?? "https"}://${ref.host}/v2/${ref.name}/manifests/${ref.reference}`;
    const head = (authorization?: string) =>
        doFetch(url, { method: "HEAD", headers: { accept: MANIFEST_ACCEPT, ...(authorization ? { authorization } : {}) } });
    try {
        let res = await head();
        if (res.status === 401) {
            const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
            if (challenge.scheme === "basic") {
                if (!opts.login) return { status: "denied", detail: "the registry needs a login (basic auth) and none is configured" };
                res = await head(basic(opts.login));
            } else if (challenge.scheme === "bearer" && challenge.params.realm) {
                const token = await bearerToken(doFetch, challenge.params, ref, opts.login);
                if (typeof token !== "string") return token;
                res = await head(`Bearer ${token}`);
            } else {
                return {
                    status: "error",
                    detail: `the registry answered 401 with an unusable challenge (${JSON.stringify(res.headers.get("www-authenticate"))})`,
                };
            }
        }
        if (res.ok) return { status: "present", digest: res.headers.get("docker-content-digest") ?? undefined };
        if (res.status === 404) return { status: "missing" };
        if (res.status === 401 || res.status === 403) {
            return {
                status: "denied",
                detail: `the registry refused ${opts.login ? `the login of ${opts.login.username}` : "anonymous pulls"} (${res.status})`,
            };
        }
        return { status: "error", detail: `the registry answered ${res.status}` };
    } catch (err) {
        return { status: "error", detail: `cannot reach ${ref.host}: ${(err as Error).message}` };
    }
}

async function bearerToken(
    doFetch: typeof fetch,
    params: Record<string, string>,
    ref: ImageReference,
    login?: RegistryLogin,
): Promise<string | ManifestLookup> {
    const query = new URLSearchParams({ service: params.service ?? ref.host, scope: params.scope ?? `repository:${ref.name}:pull` });
    const res = await doFetch(`${params.realm}?${query}`, { headers: login ? { authorization: basic(login) } : {} });
    if (res.status === 401 || res.status === 403) {
        return {
            status: "denied",
            detail: `the token service refused ${login ? `the login of ${login.username}` : "an anonymous pull token"} (${res.status})`,
        };
    }
    if (!res.ok) return { status: "error", detail: `the token service answered ${res.status}` };
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? token : { status: "error", detail: "the token service sent no token" };
}

/** One line per reference that does not resolve, naming it and what to do (empty: all present). */
export function missingImageLines(results: ReadonlyArray<{ image: string; result: ManifestLookup }>): string[] {
    return results.flatMap(({ image, result }) => {
        switch (result.status) {
            case "present":
                return [];
            case "missing":
                return [
                    `${image} does not exist in its registry: push it first (the images workflow pushes sha-<7> for ` +
                        `every main commit and X.Y.Z for a vX.Y.Z tag), or set appsImageTag to a tag that was pushed`,
                ];
            case "denied":
                return [
                    `${image} cannot be pulled: ${result.detail}; a private registry needs imageRegistry { server, ` +
                        `username } and the secret imageRegistryToken (or make the package public)`,
                ];
            case "error":
                return [`${image} could not be checked: ${result.detail}`];
        }
    });
}
