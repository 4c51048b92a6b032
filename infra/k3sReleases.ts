/**
 * The k3s releases this project knows, kept beside the pinned install script (k3sInstall.ts):
 * `k3sVersion` must name one of them, so a typo or an unreleased version is refused before any
 * node boots on it.
 *
 * Checksums: sha256 of the `k3s` (amd64) binary, the `k3s` line of each release's
 * `sha256sum-amd64.txt` (https://github.com/k3s-io/k3s/releases/download/<version>/sha256sum-amd64.txt),
 * transcribed from a published copy of those files. A release whose checksum has not been
 * recorded here carries none (`sha256` undefined) rather than a guess: the node then checks the
 * binary against the release's own checksum file only. With a recorded checksum the node checks
 * the binary against this table only and fetches no checksum file, so a mirror that serves a
 * different binary with a matching checksum file is caught.
 */

export interface K3sRelease {
    /** sha256 of the amd64 `k3s` binary, when recorded. */
    readonly sha256?: string;
}

export const K3S_RELEASES: Readonly<Record<string, K3sRelease>> = {
    "v1.33.0+k3s1": { sha256: "32af5d569ecae4bf503b68c21e29885687265a514eb33c45bf0873fff4cb4b63" },
    "v1.33.1+k3s1": { sha256: "0f53a0ee29c837713472e5fb0a13b5841f9dca76d029b26138364b9efbac66b1" },
    "v1.33.2+k3s1": { sha256: "a0b8c48bee8588289d2249c3ce2bc58afb273dc7c13057c9b65e56de74c7ceeb" },
    "v1.33.3+k3s1": { sha256: "f03cad6610cf5b2903d8a9ac3d6716690e53dab461b09c07b0c913a262166abc" },
    "v1.33.4+k3s1": { sha256: "10da34c350ab8a02e4513a6021046db9e9afecc31bae77419bc6444cbd7b1400" },
    "v1.33.5+k3s1": { sha256: "ba2bc6892347d5ddf7d9a1f50b4d6fe73c6c325eb16894aa95993ac143096725" },
    "v1.33.6+k3s1": { sha256: "86945269160fdd1bbd06283ea5b3bafd6c0ec0d1df3ac68ad3686656632081a5" },
    "v1.33.7+k3s1": { sha256: "8cb5e74c409635f73856d1956ca9b2402df3c72524b894299a891d3f05da399d" },
    "v1.34.1+k3s1": { sha256: "ec8958fe1363a32d50e028b5e3411c04b0dbd0316fab33524e8094352b78f6a3" },
    "v1.34.2+k3s1": { sha256: "15811d34187e03fe29d0e46108c42cc33e62cec1b3d9d80f50944536ebcad40a" },
    "v1.34.3+k3s1": { sha256: "f95350e3997165974d1d1406f01aabaf869aed7ca790cc2d83a92a82f26a06c5" },
    "v1.35.0+k3s1": { sha256: "959c9310a6ab893958d1c95bc5d7609de9d7884630c8832180f059369b6dc331" },
    // Released (the project's pin, and the next patch release); their checksums are not recorded here yet.
    "v1.35.6+k3s1": {},
    "v1.35.8+k3s1": {},
};

/** `vMAJOR.MINOR` of a release, e.g. "v1.35" — the Kubernetes minor it ships. */
export function k3sMinor(version: string): string | undefined {
    return /^(v\d+\.\d+)\./.exec(version)?.[1];
}

/** Undefined when `version` is a known release; else what is allowed. */
export function knownK3sRelease(version: string): string | undefined {
    if (version in K3S_RELEASES) return undefined;
    const shape = /^v\d+\.\d+\.\d+\+k3s\d+$/.test(version)
        ? "is not a k3s release this project knows"
        : 'is not a k3s release name (vX.Y.Z+k3sN, e.g. "v1.35.6+k3s1")';
    const minor = k3sMinor(version);
    const same = Object.keys(K3S_RELEASES).filter((v) => minor && v.startsWith(`${minor}.`));
    const known = same.length ? same : Object.keys(K3S_RELEASES);
    return (
        `${shape}; known releases: ${known.join(", ")} (infra/k3sReleases.ts ` +
        `lists them with their checksums; add a new release there with the sha256 of its k3s binary)`
    );
}
