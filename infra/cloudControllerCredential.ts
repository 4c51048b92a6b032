/**
 * The application credential the in-cluster OpenStack controllers authenticate with: revocable
 * without touching anyone's password, limited to the roles and API calls they need, expiring.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import { CLOUD_CONTROLLER_ACCESS_RULES, CloudCredentialConfig, credentialExpiry, credentialName } from "./cloudCredential";
import { componentType } from "../lib/componentType";

export interface CloudControllerCredentialArgs {
    readonly environment: string;
    readonly config: CloudCredentialConfig;
    /** The supplied credential's secret (config `cloudControllerCredentialSecret`). */
    readonly suppliedSecret?: pulumi.Output<string>;
}

export class CloudControllerCredential extends pulumi.ComponentResource {
    readonly id: pulumi.Output<string>;
    readonly secret: pulumi.Output<string>;
    /** The last day it works (YYYY-MM-DD); undefined for a supplied credential. */
    readonly expiresAt?: string;

    constructor(name: string, args: CloudControllerCredentialArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "CloudControllerCredential"), name, {}, opts);
        const cfg = args.config;
        if (cfg.source === "supplied") {
            if (!cfg.id || !args.suppliedSecret)
                throw new Error("cloudControllerCredentialId and cloudControllerCredentialSecret go together");
            this.id = pulumi.output(cfg.id);
            this.secret = args.suppliedSecret;
        } else {
            if (!cfg.expiresAt) throw new Error("cloudCredentialExpiresAt is required for a created credential");
            // Keystone refuses this to a restricted application credential (e.g. CI's): supply one instead.
            const credential = new openstack.identity.ApplicationCredential(
                `${name}-app-credential`,
                {
                    name: credentialName(args.environment, cfg.expiresAt),
                    description: `k3s ${args.environment}: cloud controller manager and cinder-csi`,
                    unrestricted: false,
                    roles: [...cfg.roles],
                    accessRules: cfg.accessRules ? CLOUD_CONTROLLER_ACCESS_RULES.map((rule) => ({ ...rule })) : undefined,
                    expiresAt: credentialExpiry(cfg.expiresAt),
                },
                {
                    parent: this,
                    // A rotation (new date) replaces it: the new one is created first, and the old one
                    // is left to expire on its own date, so the running controllers keep working until
                    // the cluster layer's next up hands them the new one.
                    retainOnDelete: true,
                    aliases: [{ name: `${args.environment}-k3s-cloud-controllers`, parent: pulumi.rootStackResource }],
                },
            );
            this.id = credential.id;
            this.secret = credential.secret;
            this.expiresAt = cfg.expiresAt;
        }
        this.registerOutputs({ id: this.id, expiresAt: this.expiresAt });
    }
}
