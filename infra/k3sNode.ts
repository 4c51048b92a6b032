/**
 * One immutable k3s node: its VM and the lifecycle command that gates it. The VM is replaced,
 * never updated, when its name, image, flavor or user-data changes; the lifecycle command
 * drains and removes the old node before the VM goes and waits for the new node to be Ready.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import * as command from "@pulumi/command";
import type { NodeSlot } from "./nodes";
import { RELEASE_ANNOTATION } from "./nfsData";
import { BOOTSTRAP_METADATA_KEY } from "./bootstrap";
import { componentType, withFormerType } from "../lib/componentType";

/** What the lifecycle commands run, on the machine running `pulumi up` (see lifecycle/cli.ts). */
export const LIFECYCLE_CLI = "npx --no-install tsx infra/lifecycle/cli.ts";

export interface K3sNodeArgs {
    readonly slot: NodeSlot;
    /** k3s node name (carries the spec hash). */
    readonly nodeName: string;
    readonly environment: string;
    readonly k3sVersion: string;
    /** The node's stable port: address and security groups outlive the VM. */
    readonly portId: pulumi.Input<string>;
    readonly userData: pulumi.Input<string>;
    readonly keyPair: pulumi.Input<string>;
    /** Nova server group (anti-affinity); none for a pool with antiAffinity "none". */
    readonly serverGroupId?: pulumi.Input<string>;
    /** Admin kubeconfig for the lifecycle command (secret). */
    readonly kubeconfig: pulumi.Input<string>;
    readonly timeoutSeconds: number;
    /** How long the drain lets running Airflow task pods finish (infra config drainTaskGraceMinutes). */
    readonly taskGraceSeconds: number;
    /** Created (and so replaced) only after these (the previous batch's gates), for batched rollouts. */
    readonly after?: pulumi.Resource[];
    /** Resources the VM needs first (e.g. the router that gives it internet access). */
    readonly needs?: pulumi.Resource[];
    /** A volume to attach (server-0's NFS data); detached only after the node is drained. */
    readonly dataVolumeId?: pulumi.Input<string>;
    /**
     * k3s' server directory on a volume (a single server): detached only after the drain has
     * deleted the Node without removing its etcd member and the node has stopped k3s.
     */
    readonly datastoreVolumeId?: pulumi.Input<string>;
    /** server-0's first-boot start (instance metadata `k3s_bootstrap`, updated in place). */
    readonly bootstrapMetadata?: pulumi.Input<string>;
}

export class K3sNode extends pulumi.ComponentResource {
    readonly instance: openstack.compute.Instance;
    /** Completes when this node is Ready; deleting it drains the node. */
    readonly lifecycle: command.local.Command;

    constructor(name: string, args: K3sNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "K3sNode"), name, {}, withFormerType(componentType("infra", "K3sNode"), opts));
        const { slot } = args;
        const metadata = (bootstrap: string | undefined) => ({
            role: slot.role,
            environment: args.environment,
            "k3s-version": args.k3sVersion,
            slot: slot.key,
            ...(slot.role === "agent" && slot.pool !== "default" ? { pool: slot.pool } : {}),
            ...(bootstrap ? { [BOOTSTRAP_METADATA_KEY]: bootstrap } : {}),
        });
        this.instance = new openstack.compute.Instance(
            name,
            {
                name: args.nodeName,
                imageName: slot.image,
                flavorName: slot.flavor,
                keyPair: args.keyPair,
                networks: [{ port: args.portId }],
                userData: pulumi.secret(args.userData),
                ...(args.serverGroupId ? { schedulerHints: [{ group: args.serverGroupId }] } : {}),
                ...(slot.zone ? { availabilityZone: slot.zone } : {}),
                // A plain value where nothing is pending (every node but server-0): no Output per node.
                metadata:
                    args.bootstrapMetadata === undefined ? metadata(undefined) : pulumi.output(args.bootstrapMetadata).apply(metadata),
            },
            {
                parent: this,
                replaceOnChanges: ["name", "imageName", "flavorName", "userData"],
                // A key pair is only read at first boot: a rotated key reaches each node when it is
                // next replaced, instead of replacing every node at once (keyPair forces a new VM).
                ignoreChanges: ["keyPair"],
                // The stable port serves one VM at a time, and the old node must have left the
                // cluster (drained by its lifecycle command) before the new one joins.
                deleteBeforeReplace: true,
                dependsOn: [...(args.after ?? []), ...(args.needs ?? [])],
            },
        );
        const attachment = args.dataVolumeId
            ? new openstack.compute.VolumeAttach(
                  `${name}-data-attach`,
                  { instanceId: this.instance.id, volumeId: args.dataVolumeId },
                  { parent: this },
              )
            : undefined;
        const datastoreAttachment = args.datastoreVolumeId
            ? new openstack.compute.VolumeAttach(
                  `${name}-datastore-attach`,
                  { instanceId: this.instance.id, volumeId: args.datastoreVolumeId },
                  { parent: this },
              )
            : undefined;
        this.lifecycle = new command.local.Command(
            `${name}-lifecycle`,
            {
                create: `${LIFECYCLE_CLI} wait-cluster`,
                delete: `${LIFECYCLE_CLI} drain-node`,
                environment: {
                    KUBECONFIG_DATA: args.kubeconfig,
                    NODE_NAMES: args.nodeName,
                    NODE_NAME: args.nodeName,
                    TIMEOUT_SECONDS: String(args.timeoutSeconds),
                    TASK_GRACE_SECONDS: String(args.taskGraceSeconds),
                    // The node unexports and unmounts its data volume before it is detached.
                    ...(args.dataVolumeId ? { RELEASE_DATA: RELEASE_ANNOTATION } : {}),
                    // Its replacement reuses this etcd member: deleting the Node must not remove it.
                    ...(args.datastoreVolumeId ? { KEEP_ETCD_MEMBER: "1" } : {}),
                },
                triggers: [this.instance.id],
            },
            // Depending on the attachment orders deletes: drain the node (its pods stop using the
            // NFS export) before the data volume is detached and the VM deleted.
            {
                parent: this,
                dependsOn: [this.instance, ...(attachment ? [attachment] : []), ...(datastoreAttachment ? [datastoreAttachment] : [])],
                deleteBeforeReplace: true,
            },
        );
        this.registerOutputs({ instanceId: this.instance.id, nodeName: args.nodeName });
    }
}
