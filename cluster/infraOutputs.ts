/**
 * The infra stack's outputs as the cluster layer needs them. Plain values (node pools, addresses,
 * NFS export) are read before any resource is declared, so a missing or malformed output stops
 * the run with one clear message; secrets (kubeconfig, cloud credentials) stay Outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_READS_INFRA } from "../lib/contracts";
import type { CloudCredentials, InfraOutputs, NodeInfo, NodePoolCapacity } from "../lib/contracts";
import { isObject as isObj, nodePoolsProblem, nodesProblem } from "../lib/outputShapes";

export interface InfraView {
    readonly kubeconfig: pulumi.Output<string>;
    readonly cloudCredentials: pulumi.Output<CloudCredentials>;
    readonly ingressAddress: string;
    readonly nodes: NodeInfo[];
    readonly nodePools: NodePoolCapacity[];
    readonly nfs: { server: string; path: string };
    readonly localPathStorage: boolean;
}

type ReadKey = (typeof CLUSTER_READS_INFRA.required)[number];
type SecretKeys = "kubeconfig" | "cloudCredentials";
type PlainKeys = Exclude<ReadKey, SecretKeys>;
/** The infra outputs read as plain values (the rest of CLUSTER_READS_INFRA stay secret Outputs). */
export const PLAIN_INFRA_KEYS: readonly PlainKeys[] = CLUSTER_READS_INFRA.required.filter(
    (k): k is PlainKeys => k !== "kubeconfig" && k !== "cloudCredentials",
);
const secretOutput = <T>(ref: pulumi.StackReference, key: SecretKeys) => pulumi.secret(ref.requireOutput(key) as pulumi.Output<T>);

/** Checks the plain outputs; throws one error naming every missing or malformed key. */
export function checkInfraOutputs(stackRef: string, values: Partial<Record<PlainKeys, unknown>>): Pick<InfraOutputs, PlainKeys> {
    const problems: string[] = [];
    const { ingressAddress, nodes, nodePools, nfs, localPathStorage } = values;
    if (typeof ingressAddress !== "string" || ingressAddress === "") problems.push("ingressAddress: expected an address");
    for (const problem of [nodesProblem(nodes), nodePoolsProblem(nodePools)]) if (problem) problems.push(problem);
    if (!isObj(nfs) || typeof nfs.server !== "string" || nfs.server === "" || typeof nfs.path !== "string" || !nfs.path.startsWith("/")) {
        problems.push("nfs: expected {server, path} with an absolute path");
    }
    if (typeof localPathStorage !== "boolean") problems.push("localPathStorage: expected true or false");
    if (problems.length > 0) {
        throw new Error(
            `The infra stack "${stackRef}" does not provide what the cluster layer needs:\n  - ${problems.join("\n  - ")}\n` +
                `Run \`pulumi up -s ${stackRef.split("/").pop()}\` first, ` +
                `or point infraOrganization/infraProject/infraStack at the right stack.`,
        );
    }
    return values as Pick<InfraOutputs, PlainKeys>;
}

export async function readInfra(ref: pulumi.StackReference, stackRef: string): Promise<InfraView> {
    const entries = await Promise.all(PLAIN_INFRA_KEYS.map(async (k) => [k, await ref.getOutputValue(k)] as const));
    const plain = checkInfraOutputs(stackRef, Object.fromEntries(entries));
    return {
        kubeconfig: secretOutput<string>(ref, "kubeconfig"),
        cloudCredentials: secretOutput<CloudCredentials>(ref, "cloudCredentials"),
        ingressAddress: plain.ingressAddress,
        nodes: plain.nodes,
        nodePools: plain.nodePools,
        nfs: plain.nfs,
        localPathStorage: plain.localPathStorage,
    };
}
