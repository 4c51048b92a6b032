/**
 * Where alerts go: e-mail and webhook receivers read from stack config. URLs that carry a token
 * (Slack, generic webhook) and the SMTP password must be set with `pulumi config set --secret`;
 * nothing configured means the documented null route (alerts visible in Alertmanager, nobody
 * notified). Pure: needs a lookup and a predicate telling which keys are stored as secrets.
 */
import type { ConfigReader } from "../lib/config/reader";

export interface EmailReceiver {
    readonly to: readonly string[];
    readonly from: string;
    /** `host:port` of the SMTP server. */
    readonly smarthost: string;
    readonly username?: string;
    readonly password?: string;
    readonly requireTls: boolean;
}

export interface AlertingConfig {
    readonly email?: EmailReceiver;
    readonly slack?: { readonly url: string; readonly channel?: string };
    /** Any Alertmanager webhook receiver (e.g. a Matrix bridge such as matrix-alertmanager). */
    readonly webhook?: { readonly url: string };
    /** Config keys whose values were set as secrets (their values stay secret in the state). */
    readonly secretKeys: readonly string[];
    /** Hours without a successful etcd snapshot on a server before it alerts. */
    readonly etcdSnapshotMaxAgeHours: number;
    /** Hours since a backup CronJob's last success before it alerts. */
    readonly backupMaxAgeHours: number;
}

/**
 * The offline synth cannot decrypt `secure:` values and passes placeholders with this prefix
 * (delivery/synth); their format is unknowable there, so it is not judged.
 */
const SYNTH_PLACEHOLDER = "synth-placeholder-";
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const HTTPS_URL = /^https:\/\/[^\s]+$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

export const ALERTING_KEYS = [
    "alertEmailTo",
    "alertEmailFrom",
    "alertSmtpSmarthost",
    "alertSmtpUsername",
    "alertSmtpPassword",
    "alertSmtpRequireTls",
    "alertSlackWebhookUrl",
    "alertSlackChannel",
    "alertWebhookUrl",
    "etcdSnapshotMaxAgeHours",
    "backupMaxAgeHours",
] as const;
/** Keys whose values are credentials or carry one: refused unless stored as secrets. */
export const MUST_BE_SECRET = ["alertSmtpPassword", "alertSlackWebhookUrl", "alertWebhookUrl"] as const;

export function parseAlertingConfig(r: ConfigReader): AlertingConfig {
    const isSecret = (key: string) => r.isSecret(key);
    const secretKeys = ALERTING_KEYS.filter((k) => r.has(k) && isSecret(k));
    // A secret's value never appears in an error message.
    const shown = (key: string, value: string) => (isSecret(key) ? "(secret)" : value);
    // Plain-text credentials are refused by the reader's one rule (lib/config/secrets.ts); the
    // password is "unused" without an e-mail receiver.
    r.secret("alertSmtpPassword", {
        used: r.has("alertEmailTo"),
        unusedBecause: "there is no alertEmailTo: the password belongs to the e-mail receiver",
    });
    for (const key of ["alertSlackWebhookUrl", "alertWebhookUrl"]) r.secret(key, { used: true, unusedBecause: "" });
    const text = (key: string, test: RegExp | ((v: string) => boolean), allowed: string): string | undefined => {
        if (!r.has(key)) return undefined;
        const value = (r.optionalString(key) ?? "").trim();
        if (isSecret(key) && value.startsWith(SYNTH_PLACEHOLDER)) return value;
        const ok = typeof test === "function" ? test(value) : test.test(value);
        if (!ok) r.problem(key, shown(key, value), `must be ${allowed}`);
        return value;
    };

    const toRaw = text(
        "alertEmailTo",
        (v) => v.split(",").every((a) => EMAIL.test(a.trim())),
        'one or more e-mail addresses, comma-separated ("oncall@example.org,ops@example.org")',
    );
    const from = text("alertEmailFrom", EMAIL, 'an e-mail address like "alertmanager@example.org"');
    const smarthost = text("alertSmtpSmarthost", HOST_PORT, 'an SMTP server "host:port" like "smtp.example.org:587"');
    const username = text("alertSmtpUsername", (v) => v !== "", "a user name");
    const password = text("alertSmtpPassword", (v) => v !== "", "the SMTP password");
    const requireTls = r.boolean("alertSmtpRequireTls", { default: true });
    let email: EmailReceiver | undefined;
    if (toRaw !== undefined) {
        if (from === undefined) r.problem("alertEmailFrom", undefined, "is required when alertEmailTo is set");
        if (smarthost === undefined) r.problem("alertSmtpSmarthost", undefined, "is required when alertEmailTo is set");
        if ((username === undefined) !== (password === undefined)) {
            r.problem(
                username === undefined ? "alertSmtpUsername" : "alertSmtpPassword",
                undefined,
                "alertSmtpUsername and alertSmtpPassword go together",
            );
        }
        email = {
            to: toRaw.split(",").map((a) => a.trim()),
            from: from ?? "",
            smarthost: smarthost ?? "",
            ...(username !== undefined ? { username } : {}),
            ...(password !== undefined ? { password } : {}),
            requireTls,
        };
    } else {
        for (const key of ["alertEmailFrom", "alertSmtpSmarthost", "alertSmtpUsername", "alertSmtpRequireTls"]) {
            if (r.has(key)) r.problem(key, shown(key, "…"), "only applies together with alertEmailTo");
        }
    }

    const slackUrl = text("alertSlackWebhookUrl", HTTPS_URL, 'an https incoming-webhook URL ("https://hooks.slack.com/services/...")');
    const slackChannel = text("alertSlackChannel", /^[#@]?[A-Za-z0-9._-]+$/, 'a channel like "#platform-alerts"');
    if (slackChannel !== undefined && slackUrl === undefined)
        r.problem("alertSlackChannel", slackChannel, "only applies together with alertSlackWebhookUrl");
    const webhookUrl = text("alertWebhookUrl", HTTP_URL, "an http(s) URL of an Alertmanager webhook receiver");

    return {
        ...(email ? { email } : {}),
        ...(slackUrl !== undefined ? { slack: { url: slackUrl, ...(slackChannel ? { channel: slackChannel } : {}) } } : {}),
        ...(webhookUrl !== undefined ? { webhook: { url: webhookUrl } } : {}),
        secretKeys,
        etcdSnapshotMaxAgeHours: r.integer("etcdSnapshotMaxAgeHours", { default: 7, min: 2, max: 24 * 14 }),
        backupMaxAgeHours: r.integer("backupMaxAgeHours", { default: 36, min: 2, max: 24 * 60 }),
    };
}

/** Which receivers are configured, for the stack output and the up-time warning. */
export function receiverNames(a: AlertingConfig): string[] {
    return [...(a.email ? ["email"] : []), ...(a.slack ? ["slack"] : []), ...(a.webhook ? ["webhook"] : [])];
}
