/**
 * What the apps share, so that one rule holds for all: their namespace, and for those served through
 * the ingress controller (Airflow, Todo) the Ingress inputs apps/index.ts gives them and the URL they
 * answer at. Each app still renders its Ingress in its own form (the Airflow chart's values, Todo's
 * own Ingress object).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { POD_SECURITY_LABELS } from "./networkPolicies";

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
