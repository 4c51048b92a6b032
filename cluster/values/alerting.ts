/**
 * Alertmanager routing as an `AlertmanagerConfig` the Alertmanager uses as its whole configuration
 * (`alertmanagerSpec.alertmanagerConfiguration`). Credentials live in a Secret the config points at
 * by key, never in Helm values or the custom resource. Pure.
 */
import type { AlertingConfig } from "../alertingConfig";
import { receiverNames } from "../alertingConfig";

export const ALERTMANAGER_CONFIG_NAME = "platform-routing";
export const RECEIVER_SECRET_NAME = "alertmanager-receivers";
/** The receiver that notifies nobody: named, documented, never an accident. */
export const NULL_RECEIVER = "null";
export const NOTIFY_RECEIVER = "platform-oncall";
/**
 * Namespaced AlertmanagerConfigs are merged only when they carry this label, so the global one
 * (which does not) is not merged a second time as a sub-route.
 */
export const NAMESPACED_CONFIG_LABEL = { "data-platform/alertmanager-config": "namespaced" } as const;

const KEYS = { smtpPassword: "smtp-password", slackUrl: "slack-webhook-url", webhookUrl: "webhook-url" } as const;

/** Data of the receivers' Secret (empty when nothing needs one). */
export function receiverSecretData(a: AlertingConfig): Record<string, string> {
    return {
        ...(a.email?.password !== undefined ? { [KEYS.smtpPassword]: a.email.password } : {}),
        ...(a.slack ? { [KEYS.slackUrl]: a.slack.url } : {}),
        ...(a.webhook ? { [KEYS.webhookUrl]: a.webhook.url } : {}),
    };
}

const eq = (name: string, value: string) => ({ name, value, matchType: "=" });
const ref = (key: string) => ({ name: RECEIVER_SECRET_NAME, key });

/** The `spec` of the global AlertmanagerConfig. */
export function alertmanagerConfigSpec(a: AlertingConfig): Record<string, unknown> {
    const notify = receiverNames(a).length > 0;
    const oncall: Record<string, unknown> = { name: NOTIFY_RECEIVER };
    if (a.email) {
        oncall.emailConfigs = a.email.to.map((to) => ({
            to,
            from: a.email!.from,
            smarthost: a.email!.smarthost,
            requireTLS: a.email!.requireTls,
            sendResolved: true,
            ...(a.email!.username !== undefined ? { authUsername: a.email!.username, authPassword: ref(KEYS.smtpPassword) } : {}),
        }));
    }
    if (a.slack)
        oncall.slackConfigs = [
            { apiURL: ref(KEYS.slackUrl), sendResolved: true, ...(a.slack.channel ? { channel: a.slack.channel } : {}) },
        ];
    if (a.webhook) oncall.webhookConfigs = [{ urlSecret: ref(KEYS.webhookUrl), sendResolved: true }];
    return {
        route: {
            receiver: notify ? NOTIFY_RECEIVER : NULL_RECEIVER,
            groupBy: ["alertname", "namespace"],
            groupWait: "30s",
            groupInterval: "5m",
            repeatInterval: "4h",
            routes: [
                // The always-firing Watchdog and the InfoInhibitor exist to be silent; info alerts
                // are for dashboards, not for people.
                { receiver: NULL_RECEIVER, matchers: [eq("alertname", "Watchdog")] },
                { receiver: NULL_RECEIVER, matchers: [eq("alertname", "InfoInhibitor")] },
                { receiver: NULL_RECEIVER, matchers: [eq("severity", "info")] },
                ...(notify ? [{ receiver: NOTIFY_RECEIVER, matchers: [eq("severity", "critical")], repeatInterval: "1h" }] : []),
            ],
        },
        receivers: [{ name: NULL_RECEIVER }, ...(notify ? [oncall] : [])],
        inhibitRules: [
            // A critical alert silences the warning of the same name and namespace.
            { sourceMatch: [eq("severity", "critical")], targetMatch: [eq("severity", "warning")], equal: ["alertname", "namespace"] },
        ],
    };
}

/** kube-prometheus-stack values that make the Alertmanager use this configuration. */
export function alertmanagerRoutingValues(): Record<string, unknown> {
    return {
        alertmanagerConfiguration: { name: ALERTMANAGER_CONFIG_NAME },
        alertmanagerConfigSelector: { matchLabels: { ...NAMESPACED_CONFIG_LABEL } },
    };
}
