/**
 * The one list of config keys that hold credentials, for every layer. Each must be stored with
 * `pulumi config set --secret` (a `secure:` value in the stack file); the reader refuses a plain
 * one, and refuses one the configuration does not use (a secret nobody reads is a leftover or a
 * mistake: the credential was meant for something that is switched off).
 */

export interface SecretKey {
    readonly layer: "infra" | "cluster" | "apps";
    /** What the secret is, for messages and docs/config.md. */
    readonly what: string;
}

export const SECRET_KEYS: Readonly<Record<string, SecretKey>> = {
    backupStoreAccessKey: { layer: "infra", what: "access key of the S3 bucket (with backupStore.create false)" },
    backupStoreSecretKey: { layer: "infra", what: "secret key of the S3 bucket (with backupStore.create false)" },
    backupOwnerPassword: {
        layer: "infra",
        what: "password of the backup user that owns the backups' EC2 credential (with a backupStore.credentials owner user)",
    },
    cloudControllerCredentialSecret: {
        layer: "infra",
        what: "secret of the supplied application credential (with cloudControllerCredentialId)",
    },
    ciRunnerGithubToken: {
        layer: "infra",
        what: "GitHub token that registers a just-in-time runner before every job (with ciRunnerRepository)",
    },
    alertSmtpPassword: { layer: "cluster", what: "SMTP password of the e-mail receiver (with alertEmailTo)" },
    alertSlackWebhookUrl: { layer: "cluster", what: "Slack incoming-webhook URL (carries its token)" },
    alertWebhookUrl: { layer: "cluster", what: "Alertmanager webhook receiver URL (may carry a token)" },
    airflowDagsGitToken: { layer: "apps", what: "https token git-sync uses for a private DAG repository (with an https airflowDagsRepo)" },
    imageRegistryToken: { layer: "apps", what: "token or password of the own images' pull user (with imageRegistry.username)" },
    airflowDagsGitSshKey: {
        layer: "apps",
        what: "SSH private key git-sync uses for a private DAG repository (with an SSH airflowDagsRepo and airflowDagsKnownHosts)",
    },
};

export function isSecretKey(key: string): boolean {
    return key in SECRET_KEYS;
}

/** The message for a secret key set in plain text. */
export function plaintextSecretMessage(key: string): string {
    return (
        `holds a credential (${SECRET_KEYS[key]?.what ?? "a secret"}) but is stored in plain text: remove it ` +
        `from the stack file and set it with \`pulumi config set --secret ${key} <value>\``
    );
}
