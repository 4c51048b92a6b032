/** Shared by the Helm orphan tests: a lab cluster stack's planned releases, its state and Helm's release records. */
import { PlannedRelease, RELEASE_TYPE } from "../../../delivery/deploy/checks/helmOrphans";

export const STACK = "lab-cluster";
export const u = (chain: string, name: string) => `urn:pulumi:${STACK}::data-platform::${chain}::${name}`;
export const PROVIDER = u("pulumi:providers:kubernetes", "lab-k3s");
export const release = (resource: string, name: string, namespace: string): PlannedRelease => ({
    urn: u(`data-platform:cluster:Thing$${RELEASE_TYPE}`, resource),
    resource,
    release: name,
    namespace,
    parent: u("data-platform:cluster:Thing", "lab-thing"),
    provider: PROVIDER,
});
export const WEB = release("lab-web-release", "web", "web");
export const DB = release("lab-db-release", "db", "data");
export const stateOf = (resources: unknown[], pending: string[] = []) =>
    JSON.stringify({
        version: 3,
        deployment: { resources, pending_operations: pending.map((urn) => ({ type: "creating", resource: { urn, type: RELEASE_TYPE } })) },
    });
export const managedRelease = (p: PlannedRelease) => ({
    urn: p.urn,
    type: RELEASE_TYPE,
    custom: true,
    inputs: { name: p.release, namespace: p.namespace },
    outputs: { name: p.release, namespace: p.namespace, status: "deployed" },
});
export const rec = (revision: number, status: string, name = "web") => ({
    secret: `sh.helm.release.v1.${name}.v${revision}`,
    revision,
    status,
});
