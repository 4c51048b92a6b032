/** k3s release versions (`v1.35.6+k3s1`) and image tags, compared as versions. */

export interface K3sVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** The k3s build of that Kubernetes release (`+k3sN`). */
    readonly build: number;
}

const K3S = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+]k3s(\d+))?$/;

export function parseK3sVersion(text: string): K3sVersion | undefined {
    const m = K3S.exec(text.trim());
    if (!m) return undefined;
    return { major: +m[1], minor: +m[2], patch: +m[3], build: m[4] === undefined ? 0 : +m[4] };
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareK3s(a: K3sVersion, b: K3sVersion): number {
    return a.major - b.major || a.minor - b.minor || a.patch - b.patch || a.build - b.build;
}

/** Numeric parts of an image tag like `1.4.2`, `v2.0`, `1.4.2-alpine`; undefined when not a version. */
export function parseTagVersion(tag: string): number[] | undefined {
    const m = /^v?(\d+(?:\.\d+)*)(?:[-+].*)?$/.exec(tag);
    return m ? m[1].split(".").map(Number) : undefined;
}

export function compareNumbers(a: readonly number[], b: readonly number[]): number {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = (a[i] ?? 0) - (b[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

/** Splits `registry:5000/team/app:1.2.3@sha256:...` into repository and tag (tag undefined when absent). */
export function splitImage(image: string): { repository: string; tag?: string; digest?: string } {
    const [withoutDigest, digest] = image.split("@", 2);
    const slash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    if (colon > slash)
        return { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), ...(digest ? { digest } : {}) };
    return { repository: withoutDigest, ...(digest ? { digest } : {}) };
}
