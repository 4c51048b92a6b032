/**
 * What the apps share, so that one rule holds for all: their namespace, and for those served through
 * the ingress controller (Airflow, Todo) the Ingress inputs apps/index.ts gives them and the URL they
 * answer at. Each app still renders its Ingress in its own form (the Airflow chart's values, Todo's
 * own Ingress object).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { POD_SECURITY_LABELS } from "./networkPolicies";
import { OffsiteTarget, PostgresDatabase, PostgresDatabaseArgs } from "./postgres";

export interface IngressArgs {
    readonly ingressClass: string;
    /** Ingress annotations (cert-manager's issuer for the TLS Secret, the source allowlist). */
    readonly ingressAnnotations?: Record<string, string>;
}

/** The URL an app answers at: HTTPS when its Ingress has a TLS Secret, plain HTTP otherwise. */
export function ingressUrl(host: string, path: string, tlsSecretName: string | undefined): string {
    return `${tlsSecretName ? "https" : "http"}://${host}${path}`;
}

/**
 * An app's namespace, with the baseline Pod Security labels. With `protect` it is protected and
 * retained like the app's stateful volumes: deleting it would delete the PVCs inside, whatever
 * their own options say.
 */
export function appNamespace(
    name: string,
    namespace: string,
    labels: Record<string, string>,
    opts: { readonly parent: pulumi.Resource; readonly protect?: boolean },
): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        `${name}-namespace`,
        { metadata: { name: namespace, labels: { ...labels, ...POD_SECURITY_LABELS } } },
        { parent: opts.parent, ...(opts.protect ? { protect: true, retainOnDelete: true } : {}) },
    );
}

/** The database keys an app's config carries for its own PostgreSQL (apps/configTypes.ts). */
export interface AppDatabaseConfig {
    readonly dbImage: string;
    readonly dbSize: string;
    readonly backupSchedule: string;
    readonly backupRetentionDays: number;
    readonly backupSize: string;
}

/** An app's own PostgreSQL in its namespace, dumped on the config's schedule (off-site when a target is given). */
export function appDatabase(
    name: string,
    namespace: k8s.core.v1.Namespace,
    config: AppDatabaseConfig,
    args: Pick<PostgresDatabaseArgs, "database" | "storageClass" | "protect" | "labels" | "tls"> & { readonly offsite?: OffsiteTarget },
    parent: pulumi.Resource,
): PostgresDatabase {
    const { offsite, ...rest } = args;
    return new PostgresDatabase(
        `${name}-postgresql`,
        {
            namespace: namespace.metadata.name,
            image: config.dbImage,
            size: config.dbSize,
            backup: { schedule: config.backupSchedule, retentionDays: config.backupRetentionDays, size: config.backupSize, offsite },
            ...rest,
        },
        { parent, dependsOn: [namespace] },
    );
}
