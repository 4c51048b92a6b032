/**
 * Config of the deploy path's pieces in the infra layer: the optional self-hosted GitHub Actions
 * runner VM, and where the in-cluster OpenStack controllers' application credential comes from.
 * Pure: read through the layer's ConfigReader, so problems are reported with the layer's others.
 */
import type { ConfigReader } from "../lib/config/reader";

export interface CiRunnerConfig {
    /** `owner/name` of the GitHub repository the runner registers with. */
    readonly repository: string;
    /** Labels the deploy/preview jobs select (`runs-on: [self-hosted, <label>]`). */
    readonly labels: string[];
    readonly flavor: string;
    readonly image: string;
    /** actions/runner release, pinned with the SHA-256 of its linux-x64 tarball. */
    readonly version: string;
    readonly sha256: string;
}

/** "create": an application credential made by `up` (the deploying identity must be allowed to); "supplied": id + secret from config. */
export type CloudCredentialSource = "create" | "supplied";

export interface CloudCredentialConfig {
    readonly source: CloudCredentialSource;
    /** The supplied credential's id (its secret is `cloudControllerCredentialSecret`, read as a secret). */
    readonly id?: string;
}

export const RUNNER_VERSION = "2.329.0";

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The runner VM, or undefined when `ciRunnerRepository` is not set (the default: nothing new exists). */
export function parseCiRunner(r: ConfigReader, environment: string, defaults: { flavor: string; image: string }): CiRunnerConfig | undefined {
    const repository = r.optionalString("ciRunnerRepository", { pattern: REPO, allowed: 'a GitHub repository "owner/name"' });
    const others = ["ciRunnerLabels", "ciRunnerVersion", "ciRunnerSha256", "ciRunnerFlavor", "ciRunnerImage"];
    r.known("ciRunnerToken", ...others);
    const hasToken = r.secret("ciRunnerToken", { used: repository !== undefined, unusedBecause: "no ciRunnerRepository: the runner VM exists only when ciRunnerRepository names its repository" }) !== undefined;
    if (repository === undefined) {
        for (const key of others.filter((k) => r.has(k))) r.problem(key, "(set)", "has no effect without ciRunnerRepository: the runner VM exists only when ciRunnerRepository names its repository");
        return undefined;
    }
    if (!hasToken) {
        r.problem("ciRunnerToken", undefined, "is required with ciRunnerRepository: a runner registration token (Settings → Actions → Runners → New self-hosted runner, valid 1 hour), set with pulumi config set --secret ciRunnerToken <token>");
    }
    const labels = r.stringList("ciRunnerLabels", { default: [`data-platform-${environment}`], minItems: 1 });
    labels.forEach((l, i) => {
        if (!LABEL.test(l) || /^(self-hosted|linux|x64)$/i.test(l)) r.problem(`ciRunnerLabels[${i}]`, l, "must be a label of your own (letters, digits, . _ -), not a default label like self-hosted");
    });
    const version = r.string("ciRunnerVersion", { default: RUNNER_VERSION, pattern: /^\d+\.\d+\.\d+$/, allowed: 'an actions/runner release like "2.329.0"' });
    const shaAllowed = `the SHA-256 of actions-runner-linux-x64-${version}.tar.gz, as listed on https://github.com/actions/runner/releases/tag/v${version}`;
    const sha256 = r.optionalString("ciRunnerSha256", { pattern: /^[0-9a-f]{64}$/, allowed: shaAllowed }) ?? "";
    if (!r.has("ciRunnerSha256")) r.problem("ciRunnerSha256", undefined, `is required with ciRunnerRepository: ${shaAllowed}`);
    return {
        repository,
        labels,
        flavor: r.string("ciRunnerFlavor", { default: defaults.flavor }),
        image: r.string("ciRunnerImage", { default: defaults.image }),
        version,
        sha256,
    };
}

export function parseCloudCredential(r: ConfigReader): CloudCredentialConfig {
    const id = r.optionalString("cloudControllerCredentialId", { pattern: /^[0-9a-f]{32}$/, allowed: "a Keystone application credential id (32 hex characters)" });
    // An id without its secret is reported below; a secret without an id is "unused".
    const hasSecret = r.has("cloudControllerCredentialSecret");
    r.secret("cloudControllerCredentialSecret", { used: id !== undefined, unusedBecause: "no cloudControllerCredentialId: the cloud controllers' credential is created here" });
    if (id !== undefined && !hasSecret) {
        r.problem("cloudControllerCredentialSecret", undefined, "is required with cloudControllerCredentialId: pulumi config set --secret cloudControllerCredentialSecret <secret>");
    }
    if (id === undefined && hasSecret) {
        r.problem("cloudControllerCredentialId", undefined, "is required with cloudControllerCredentialSecret (or remove the secret): pulumi config set cloudControllerCredentialId <id>");
    }
    return id !== undefined ? { source: "supplied", id } : { source: "create" };
}
