/**
 * Alerting for the platform: the Alertmanager's routing (receivers from config, credentials in a
 * Secret) and the PrometheusRules for Kafka, etcd snapshots, certificates and backups.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { prometheusRule } from "../lib/monitoring/rules";
import { type AlertingConfig, receiverNames } from "./alertingConfig";
import { clientCertNotAfter } from "./adminCert";
import { ALERTMANAGER_CONFIG_NAME, alertmanagerConfigSpec, RECEIVER_SECRET_NAME, receiverSecretData } from "./values/alerting";
import { platformRuleGroups } from "./values/platformRules";
import { componentType } from "../lib/componentType";

export interface PlatformAlertingArgs {
    readonly alerting: AlertingConfig;
    readonly namespace: pulumi.Input<string>;
    readonly kafkaNamespace: string;
    readonly etcd: boolean;
    /** infra's admin kubeconfig: the admin certificate's expiry goes into a rule. */
    readonly kubeconfig: pulumi.Output<string>;
    /** The monitoring release (its CRDs). */
    readonly release: pulumi.Resource;
}

/** Keys whose secrecy makes the routing resource itself secret (addresses set with --secret). */
const ADDRESS_KEYS = ["alertEmailTo", "alertEmailFrom", "alertSmtpSmarthost", "alertSmtpUsername", "alertSlackChannel"];

export class PlatformAlerting extends pulumi.ComponentResource {
    /** Configured receivers; empty = the null route. */
    readonly receivers: string[];

    constructor(name: string, args: PlatformAlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "PlatformAlerting"), name, {}, opts);
        const a = args.alerting;
        const after = { parent: this, dependsOn: [args.release] };
        this.receivers = receiverNames(a);
        if (this.receivers.length === 0) {
            pulumi.log.warn(
                "No alert receivers configured (alertEmailTo, alertSlackWebhookUrl, " +
                    "alertWebhookUrl): alerts go to the null receiver; see docs/monitoring.md.",
                this,
            );
        }

        const data = receiverSecretData(a);
        const secret =
            Object.keys(data).length > 0
                ? [
                      new k8s.core.v1.Secret(
                          `${name}-receivers`,
                          {
                              metadata: { name: RECEIVER_SECRET_NAME, namespace: args.namespace },
                              type: "Opaque",
                              stringData: pulumi.secret(data),
                          },
                          after,
                      ),
                  ]
                : [];
        const spec = alertmanagerConfigSpec(a);
        new k8s.apiextensions.CustomResource(
            `${name}-routing`,
            {
                apiVersion: "monitoring.coreos.com/v1alpha1",
                kind: "AlertmanagerConfig",
                metadata: { name: ALERTMANAGER_CONFIG_NAME, namespace: args.namespace },
                spec: a.secretKeys.some((k) => ADDRESS_KEYS.includes(k)) ? pulumi.secret(spec) : spec,
            },
            { parent: this, dependsOn: [args.release, ...secret] },
        );

        // Only the expiry date leaves the (secret) kubeconfig.
        const notAfter = pulumi.unsecret(args.kubeconfig.apply(clientCertNotAfter));
        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "platform", namespace: args.namespace },
                spec: notAfter.apply(
                    (adminCertNotAfter) =>
                        prometheusRule(
                            "platform",
                            "",
                            platformRuleGroups({
                                kafkaNamespace: args.kafkaNamespace,
                                etcd: args.etcd,
                                etcdSnapshotMaxAgeHours: a.etcdSnapshotMaxAgeHours,
                                backupMaxAgeHours: a.backupMaxAgeHours,
                                adminCertNotAfter,
                            }),
                        ).spec,
                ),
            },
            after,
        );
        this.registerOutputs({ receivers: this.receivers });
    }
}
