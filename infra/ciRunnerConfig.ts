/**
 * Config of the infra layer's optional self-hosted GitHub Actions runner VM. Pure: read through
 * the layer's ConfigReader, so problems are reported with the layer's others.
 */
import type { ConfigReader } from "../lib/config/reader";
import { RUNNER_RELEASE } from "./ciRunnerRelease";

export interface CiRunnerConfig {
    /** `owner/name` of the GitHub repository the runner registers with. */
    readonly repository: string;
    /** Labels the deploy/preview jobs select (`runs-on: [self-hosted, <label>]`). */
    readonly labels: string[];
    readonly flavor: string;
    readonly image: string;
    /** actions/runner release, pinned with the SHA-256 of its linux-x64 tarball (infra/ciRunnerRelease.ts). */
    readonly version: string;
    readonly sha256: string;
    /** Pull-request jobs of the repository's own branches may run here too (never on a production environment's runner). */
    readonly pullRequests: boolean;
}

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const TOKEN_ALLOWED =
    "a GitHub token the runner VM registers a fresh just-in-time runner with before every job: a " +
    'fine-grained personal access token for this one repository with "Administration: read and ' +
    'write", set with pulumi config set --secret ciRunnerGithubToken <token>';

/** The runner VM, or undefined when `ciRunnerRepository` is not set (the default: nothing new exists). */
export function parseCiRunner(
    r: ConfigReader,
    environment: string,
    defaults: { flavor: string; image: string },
): CiRunnerConfig | undefined {
    const repository = r.optionalString("ciRunnerRepository", { pattern: REPO, allowed: 'a GitHub repository "owner/name"' });
    const others = ["ciRunnerLabels", "ciRunnerFlavor", "ciRunnerImage", "ciRunnerPullRequests"];
    r.known(...others, "ciRunnerGithubToken", "ciRunnerToken", "ciRunnerVersion", "ciRunnerSha256");
    const hasToken =
        r.secret("ciRunnerGithubToken", {
            used: repository !== undefined,
            unusedBecause: "no ciRunnerRepository: the runner VM exists only when ciRunnerRepository names its repository",
        }) !== undefined;
    // Keys of the runner that registered once and lived on: say what replaced them.
    if (r.has("ciRunnerToken"))
        r.problem(
            "ciRunnerToken",
            "(set)",
            `is no longer read: it was a one-hour registration token for a runner that lived on; each job now gets its own ` +
                `just-in-time runner. Remove it (pulumi config rm ciRunnerToken) and set ciRunnerGithubToken: ${TOKEN_ALLOWED}`,
        );
    for (const key of ["ciRunnerVersion", "ciRunnerSha256"].filter((k) => r.has(k))) {
        r.problem(
            key,
            "(set)",
            `is no longer read: the runner release and its checksum are pinned together in ` +
                `infra/ciRunnerRelease.ts (now ${RUNNER_RELEASE.version}); remove it with pulumi config rm ${key}`,
        );
    }
    if (repository === undefined) {
        for (const key of others.filter((k) => r.has(k)))
            r.problem(
                key,
                "(set)",
                "has no effect without ciRunnerRepository: the runner VM exists only when ciRunnerRepository names its repository",
            );
        return undefined;
    }
    if (!hasToken) r.problem("ciRunnerGithubToken", undefined, `is required with ciRunnerRepository: ${TOKEN_ALLOWED}`);
    const labels = r.stringList("ciRunnerLabels", { default: [`data-platform-${environment}`], minItems: 1 });
    labels.forEach((l, i) => {
        if (!LABEL.test(l) || /^(self-hosted|linux|x64)$/i.test(l))
            r.problem(
                `ciRunnerLabels[${i}]`,
                l,
                "must be a label of your own (letters, digits, . _ -), not a default label like self-hosted",
            );
    });
    const pullRequests = r.boolean("ciRunnerPullRequests", { default: false });
    if (pullRequests && /^prod/.test(environment)) {
        r.problem(
            "ciRunnerPullRequests",
            true,
            `must stay false on ${environment}: a pull request's code never runs where ` +
                `production credentials are (deploy and rollback jobs from main only)`,
        );
    }
    return {
        repository,
        labels,
        flavor: r.string("ciRunnerFlavor", { default: defaults.flavor }),
        image: r.string("ciRunnerImage", { default: defaults.image }),
        version: RUNNER_RELEASE.version,
        sha256: RUNNER_RELEASE.sha256,
        pullRequests,
    };
}
