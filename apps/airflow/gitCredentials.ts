/**
 * How git-sync authenticates to a private DAG repository. Either the credential comes from
 * `secure:` config and this layer creates the Secret in the Airflow namespace (ordered before the
 * chart, so the first `up` works although the same `up` creates the namespace), or an existing
 * Secret is referenced by name (created by something else, e.g. an external secrets operator).
 *
 * Pure: reading and validation take a ConfigReader, the Secret is rendered as a plain manifest.
 */
import type { ConfigReader } from "../../lib/config/reader";

/** Names of the Secrets this layer creates from config. */
export const DAGS_GIT_SECRETS = { https: "airflow-git-credentials", ssh: "airflow-git-ssh-key" } as const;

/** Credentials from config (secret values: wrap in pulumi.secret before they reach a resource). */
export type DagsGitCredential =
    { readonly kind: "https"; readonly username: string; readonly token: string } | { readonly kind: "ssh"; readonly privateKey: string };

export interface DagsGitAuth {
    /** Secret with https credentials (chart `dags.gitSync.credentialsSecret`). */
    readonly dagsCredentialsSecret?: string;
    /** Secret with an SSH private key under `gitSshKey` (chart `dags.gitSync.sshKeySecret`). */
    readonly dagsSshKeySecret?: string;
    /** `known_hosts` lines of the SSH host (chart `dags.gitSync.knownHosts`). */
    readonly dagsKnownHosts?: string;
    /** Set when this layer creates the Secret named above from config. */
    readonly dagsGit?: DagsGitCredential;
}

/** SSH repository URLs: `git@host:path` or `ssh://[user@]host[:port]/path`. */
export function isSshGitUrl(url: string): boolean {
    return /^(git@|ssh:\/\/)/.test(url);
}

const K8S_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PRIVATE_KEY = /^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END ([A-Z]+ )?PRIVATE KEY-----\s*$/;
const KNOWN_HOST_LINE = /^(@[a-z-]+ )?\S+ (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-\S+) [A-Za-z0-9+/]+=*( .*)?$/;

/** Reads and checks the DAG repository's git credentials for `dagsRepo`; problems go to `r`. */
export function readDagsGitAuth(r: ConfigReader, dagsRepo: string): DagsGitAuth {
    const ssh = isSshGitUrl(dagsRepo);
    const secretRef = (key: string) =>
        r.optionalString(key, { pattern: K8S_NAME, allowed: 'the name of an existing Secret, like "airflow-git-credentials"' });
    const credentialsSecret = secretRef("airflowDagsCredentialsSecret");
    const sshKeySecret = secretRef("airflowDagsSshKeySecret");
    const knownHosts = r.optionalString("airflowDagsKnownHosts");
    const username = r.optionalString("airflowDagsGitUsername", {
        pattern: /^[^\s:@/]+$/,
        allowed: 'a git user name like "git" (no spaces, ":", "@" or "/")',
    });
    // A token only authenticates https, a key only ssh: the wrong pairing would deploy fine and
    // then never sync, so the secret counts as unused and is refused with both keys named.
    const token = r.secret("airflowDagsGitToken", {
        used: !ssh,
        unusedBecause:
            `airflowDagsRepo ${dagsRepo} is an SSH URL and a token only authenticates https; ` +
            `use airflowDagsGitSshKey (with airflowDagsKnownHosts)`,
    });
    const privateKey = r.secret("airflowDagsGitSshKey", {
        used: ssh,
        unusedBecause:
            `airflowDagsRepo ${dagsRepo} is an https URL and an SSH key ` +
            `only authenticates git@ or ssh:// URLs; use airflowDagsGitToken`,
    });

    if (credentialsSecret !== undefined && ssh) {
        r.problem(
            "airflowDagsCredentialsSecret",
            credentialsSecret,
            `is for https repositories; ${dagsRepo} is an SSH URL, use airflowDagsGitSshKey or airflowDagsSshKeySecret`,
        );
    }
    if (sshKeySecret !== undefined && !ssh) {
        r.problem(
            "airflowDagsSshKeySecret",
            sshKeySecret,
            `is for SSH repositories (git@... or ssh://...); ${dagsRepo} is https, use airflowDagsGitToken or airflowDagsCredentialsSecret`,
        );
    }
    if (token !== undefined && credentialsSecret !== undefined) {
        r.problem(
            "airflowDagsCredentialsSecret",
            credentialsSecret,
            "and airflowDagsGitToken are two credentials for one repository; keep one (the token: this layer then creates the Secret)",
        );
    }
    if (privateKey !== undefined && sshKeySecret !== undefined) {
        r.problem(
            "airflowDagsSshKeySecret",
            sshKeySecret,
            "and airflowDagsGitSshKey are two keys for one repository; keep one (the key: this layer then creates the Secret)",
        );
    }
    if (privateKey !== undefined && !PRIVATE_KEY.test(privateKey.trim() + "\n")) {
        r.problem(
            "airflowDagsGitSshKey",
            "(secret)",
            "must be a private key in PEM/OpenSSH form (the whole file, " +
                "from -----BEGIN ... PRIVATE KEY----- to -----END ... PRIVATE KEY-----)",
        );
    }
    if (token !== undefined && token.trim() === "") r.problem("airflowDagsGitToken", "(secret)", "must not be empty");
    if (username !== undefined && token === undefined) {
        r.problem("airflowDagsGitUsername", username, "only applies together with airflowDagsGitToken");
    }

    const usesSsh = ssh && (privateKey !== undefined || sshKeySecret !== undefined);
    // Without known hosts git-sync would accept any host key: a DNS or network attacker could
    // serve other DAGs, which run with the platform's credentials.
    if (usesSsh && knownHosts === undefined) {
        r.problem(
            "airflowDagsKnownHosts",
            undefined,
            `is required with an SSH key: the host's known_hosts lines (ssh-keyscan ` +
                `${sshHost(dagsRepo)}, then compare with the host's published fingerprints)`,
        );
    }
    if (knownHosts !== undefined && !usesSsh) {
        r.problem("airflowDagsKnownHosts", knownHosts, "only applies together with airflowDagsGitSshKey or airflowDagsSshKeySecret");
    }
    if (knownHosts !== undefined) {
        knownHosts
            .split("\n")
            .map((l) => l.trim())
            .forEach((line, i) => {
                if (line !== "" && !line.startsWith("#") && !KNOWN_HOST_LINE.test(line)) {
                    r.problem(
                        "airflowDagsKnownHosts",
                        line,
                        `line ${i + 1} must be a known_hosts line "host key-type base64-key" (as ssh-keyscan prints it)`,
                    );
                }
            });
    }

    if (token !== undefined && !ssh) {
        return { dagsCredentialsSecret: DAGS_GIT_SECRETS.https, dagsGit: { kind: "https", username: username ?? "git", token } };
    }
    if (privateKey !== undefined && ssh) {
        return {
            dagsSshKeySecret: DAGS_GIT_SECRETS.ssh,
            ...(knownHosts !== undefined ? { dagsKnownHosts: knownHosts } : {}),
            dagsGit: { kind: "ssh", privateKey },
        };
    }
    return {
        ...(credentialsSecret !== undefined ? { dagsCredentialsSecret: credentialsSecret } : {}),
        ...(sshKeySecret !== undefined ? { dagsSshKeySecret: sshKeySecret } : {}),
        ...(knownHosts !== undefined && usesSsh ? { dagsKnownHosts: knownHosts } : {}),
    };
}

/** The host part of an SSH git URL, for the ssh-keyscan hint. */
export function sshHost(url: string): string {
    const m = /^git@([^:]+):/.exec(url) ?? /^ssh:\/\/(?:[^@/]+@)?([^/:]+)/.exec(url);
    return m ? m[1] : "<host>";
}

/**
 * The git credential Secret for the chart's git-sync containers. The https keys come in both
 * spellings because the chart passes both to git-sync (v3 reads GIT_SYNC_*, v4 GITSYNC_*).
 */
export function dagsGitSecretManifest(
    credential: DagsGitCredential,
    namespace: string,
    labels: Record<string, string>,
): {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    type: "Opaque";
    stringData: Record<string, string>;
} {
    const name = DAGS_GIT_SECRETS[credential.kind];
    const stringData: Record<string, string> =
        credential.kind === "https"
            ? {
                  GIT_SYNC_USERNAME: credential.username,
                  GIT_SYNC_PASSWORD: credential.token,
                  GITSYNC_USERNAME: credential.username,
                  GITSYNC_PASSWORD: credential.token,
              }
            : { gitSshKey: credential.privateKey.trim() + "\n" };
    return { metadata: { name, namespace, labels }, type: "Opaque", stringData };
}
