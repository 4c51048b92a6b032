/**
 * Which revision of the DAG repository git-sync runs. Following a branch means a merge runs
 * within a minute, past the release gate: only for environments other than prod. prod runs the
 * DAGs of the release it deploys — the release tag `v<appsImageTag>` (annotated, on main, a
 * protected ref) — or an explicit `airflowDagsRev` (a release tag or a full commit SHA). Pure.
 */
import type { ConfigReader } from "../../lib/config/reader";

export type DagsRevision =
    /** git-sync follows the branch head. */
    | { readonly follow: "branch"; readonly branch: string }
    /** git-sync checks out one tag or commit and stays there. */
    | { readonly follow: "pinned"; readonly ref: string; readonly branch: string };

const RELEASE_TAG = /^v\d+\.\d+\.\d+$/;
const COMMIT = /^[0-9a-f]{40}$/;
const RELEASE_IMAGE_TAG = /^\d+\.\d+\.\d+$/;

/** Reads `airflowDagsRev` (and `appsImageTag` for its default); prod must end up pinned. */
export function readDagsRevision(r: ConfigReader, environment: string, branch: string): DagsRevision {
    const rev = r.optionalString("airflowDagsRev", {
        pattern: /^(v\d+\.\d+\.\d+|[0-9a-f]{40})$/,
        allowed: 'a release tag like "v1.4.0" or a full 40-character commit SHA',
    });
    if (rev !== undefined && (RELEASE_TAG.test(rev) || COMMIT.test(rev))) return { follow: "pinned", ref: rev, branch };
    if (rev !== undefined) return { follow: "branch", branch }; // refused above
    const imageTag = r.has("appsImageTag") ? r.string("appsImageTag") : undefined;
    if (imageTag !== undefined && RELEASE_IMAGE_TAG.test(imageTag)) return { follow: "pinned", ref: `v${imageTag}`, branch };
    if (environment === "prod") {
        r.problem(
            "airflowDagsRev",
            undefined,
            `is required in prod unless appsImageTag names a release: prod runs the DAGs of the release it ` +
                `deploys, never a branch head (set appsImageTag to the release "X.Y.Z", whose tag vX.Y.Z is used, or ` +
                `airflowDagsRev to a release tag or a full commit SHA)`,
        );
    }
    return { follow: "branch", branch };
}

/** The chart's git-sync revision values (1.22.0: `ref` for git-sync v4, `branch`/`rev` for its compatibility flags). */
export function gitSyncRevisionValues(d: DagsRevision): { branch: string; rev: string; ref: string } {
    return d.follow === "pinned" ? { branch: d.branch, rev: d.ref, ref: d.ref } : { branch: d.branch, rev: "HEAD", ref: d.branch };
}
