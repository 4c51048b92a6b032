/** A layer's NetworkPolicies (lib/kube/networkPolicy.ts) as Kubernetes objects, after their namespaces. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Obj } from "./networkPolicy";

export interface NetworkPolicySetArgs {
    /** The layer that owns the set (part of its type: `data-platform:<layer>:NetworkPolicySet`). */
    readonly layer: "cluster" | "apps";
    readonly policies: readonly Obj[];
    /** Components that create the namespaces. */
    readonly after: pulumi.Resource[];
}

export class NetworkPolicySet extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPolicySetArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`data-platform:${args.layer}:NetworkPolicySet`, name, {}, opts);
        for (const p of args.policies) {
            const meta = p.metadata as { name: string; namespace: string };
            new k8s.networking.v1.NetworkPolicy(`${name}-${meta.namespace}-${meta.name}`, p as k8s.networking.v1.NetworkPolicyArgs, {
                parent: this,
                dependsOn: args.after,
            });
        }
        this.registerOutputs({});
    }
}
