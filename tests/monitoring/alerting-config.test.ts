import assert from "node:assert/strict";
import { parseClusterConfig } from "../../cluster/config";
import { receiverSecretData } from "../../cluster/values/alerting";

const lookup = (values: Record<string, string>) => (key: string) => values[key];
const parse = (values: Record<string, string>, secret: string[] = []) =>
    parseClusterConfig(lookup({ environment: "dev", ...values }), "data-platform", "stack t", "data-platform", (k) => secret.includes(k))
        .alerting;

describe("cluster config: alert receivers", () => {
    it("nothing configured is the null route (no receiver, no Secret)", () => {
        const a = parse({});
        assert.equal(a.email ?? a.slack ?? a.webhook, undefined);
        assert.deepEqual(receiverSecretData(a), {});
        assert.equal(a.etcdSnapshotMaxAgeHours, 7);
    });

    it("refuses credentials that were not set with --secret, without printing them", () => {
        assert.throws(
            () =>
                parse({
                    alertSlackWebhookUrl: "https://hooks.slack.com/services/T/B/SECRETTOKEN",
                    alertWebhookUrl: "https://x.example.org/h",
                }),
            (e: Error) => {
                assert.match(
                    e.message,
                    new RegExp(
                        /data-platform:alertSlackWebhookUrl = .*holds a credential .*stored/.source +
                            / in plain text: .*`pulumi config set --secret alertSlackWebhookUrl/.source,
                    ),
                );
                assert.match(e.message, /data-platform:alertWebhookUrl/);
                assert.ok(!e.message.includes("SECRETTOKEN"));
                return true;
            },
        );
    });

    it("names every wrong or incomplete receiver key, secrets shown as (secret)", () => {
        assert.throws(
            () =>
                parse(
                    {
                        alertEmailTo: "oncall@example.org,not-an-address",
                        alertSmtpPassword: "hunter2",
                        alertSlackWebhookUrl: "http://plain",
                        alertSlackChannel: "#a",
                    },
                    ["alertSmtpPassword", "alertSlackWebhookUrl"],
                ),
            (e: Error) => {
                assert.match(e.message, /alertEmailTo = "oncall@example.org,not-an-address": must be one or more e-mail addresses/);
                assert.match(e.message, /alertEmailFrom = \(unset\): is required when alertEmailTo is set/);
                assert.match(e.message, /alertSmtpSmarthost = \(unset\): is required/);
                assert.match(e.message, /alertSmtpUsername .*go together/);
                assert.match(e.message, /alertSlackWebhookUrl = "\(secret\)": must be an https incoming-webhook URL/);
                assert.ok(!e.message.includes("hunter2") && !e.message.includes("http://plain"));
                return true;
            },
        );
        assert.throws(
            () => parse({ alertSmtpSmarthost: "smtp.example.org:25" }),
            /alertSmtpSmarthost .*only applies together with alertEmailTo/,
        );
    });

    it("a complete configuration yields e-mail, Slack and webhook receivers and their Secret data", () => {
        const a = parse(
            {
                alertEmailTo: "a@example.org",
                alertEmailFrom: "am@example.org",
                alertSmtpSmarthost: "smtp.example.org:587",
                alertSmtpUsername: "am",
                alertSmtpPassword: "pw",
                alertSlackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
                alertWebhookUrl: "http://bridge.monitoring.svc:9000/alerts",
                etcdSnapshotMaxAgeHours: "13",
            },
            ["alertSmtpPassword", "alertSlackWebhookUrl", "alertWebhookUrl"],
        );
        assert.deepEqual(a.email, {
            to: ["a@example.org"],
            from: "am@example.org",
            smarthost: "smtp.example.org:587",
            username: "am",
            password: "pw",
            requireTls: true,
        });
        assert.deepEqual(Object.keys(receiverSecretData(a)).sort(), ["slack-webhook-url", "smtp-password", "webhook-url"]);
        assert.deepEqual(a.secretKeys, ["alertSmtpPassword", "alertSlackWebhookUrl", "alertWebhookUrl"]);
        assert.equal(a.etcdSnapshotMaxAgeHours, 13);
    });
});
