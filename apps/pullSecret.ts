/**
 * The pull Secret of the own images' registry: one `kubernetes.io/dockerconfigjson` Secret per
 * namespace that runs an own image, created by this layer after the namespace and before the
 * pods, so a private registry (GHCR packages start private) pulls on the very first `up`.
 * Pure: the manifest is data; the component wraps the value in a Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { RegistryCredential } from "./images";

export const PULL_SECRET_NAME = "own-images-pull";

/** `.dockerconfigjson` for one registry host, as `kubectl create secret docker-registry` writes it. */
export function dockerConfigJson(credential: RegistryCredential): string {
    const auth = Buffer.from(`${credential.username}:${credential.password}`).toString("base64");
    return JSON.stringify({ auths: { [credential.server]: { username: credential.username, password: credential.password, auth } } });
}

export function pullSecretManifest(
    credential: RegistryCredential,
    namespace: string,
    labels: Record<string, string>,
): {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    type: "kubernetes.io/dockerconfigjson";
    stringData: { ".dockerconfigjson": string };
} {
    return {
        metadata: { name: PULL_SECRET_NAME, namespace, labels },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": dockerConfigJson(credential) },
    };
}

/** The pod spec field that uses it (empty without a credential). */
export function imagePullSecrets(credential: RegistryCredential | undefined): { imagePullSecrets?: { name: string }[] } {
    return credential ? { imagePullSecrets: [{ name: PULL_SECRET_NAME }] } : {};
}

/** The Secret as a resource (wiring): its value a Pulumi secret, never plaintext in state or outputs. */
export function newPullSecret(
    name: string,
    credential: RegistryCredential,
    namespace: string,
    labels: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    const m = pullSecretManifest(credential, namespace, labels);
    return new k8s.core.v1.Secret(name, { metadata: m.metadata, type: m.type, stringData: pulumi.secret(m.stringData) }, opts);
}
