/** k3s versions for tests that upgrade a stack: the releases come from the project's table, never a guess. */
import { K3S_RELEASES, k3sMinor } from "../../infra/k3sReleases";

/** The next patch release of `version`'s minor that the project's release table knows. */
export function nextPatch(version: string): string {
    const minor = k3sMinor(version);
    const patch = (v: string) => Number(/^v\d+\.\d+\.(\d+)\+/.exec(v)?.[1]);
    const next = Object.keys(K3S_RELEASES)
        .filter((v) => k3sMinor(v) === minor && patch(v) > patch(version))
        .sort((a, b) => patch(a) - patch(b))[0];
    if (!next) throw new Error(`no k3s release after ${version} in ${minor} is known (infra/k3sReleases.ts)`);
    return next;
}
