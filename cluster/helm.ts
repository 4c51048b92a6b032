/** One way to install a chart, so every release waits for readiness and none waits forever. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartName, ChartPin } from "./config";

export interface ReleaseArgs {
    readonly chart: ChartName;
    readonly pin: ChartPin;
    readonly namespace: pulumi.Input<string>;
    readonly values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm may take for workloads (and hook Jobs) to become ready. */
    readonly timeoutSeconds?: number;
}

/**
 * A pinned Helm release. Helm waits for Deployments/StatefulSets/DaemonSets to be ready and for
 * hook Jobs to complete (`waitForJobs`), bounded by `timeout`, so `pulumi up` neither reports
 * success early nor hangs on a stuck hook; a failed install is cleaned up for the next try.
 */
export function helmRelease(name: string, releaseName: string, args: ReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    const oci = args.pin.repo.startsWith("oci://");
    return new k8s.helm.v3.Release(
        name,
        {
            name: releaseName,
            chart: oci ? `${args.pin.repo}/${args.chart}` : args.chart,
            version: args.pin.version,
            ...(oci ? {} : { repositoryOpts: { repo: args.pin.repo } }),
            namespace: args.namespace,
            createNamespace: false,
            values: args.values,
            skipAwait: false,
            waitForJobs: true,
            timeout: args.timeoutSeconds ?? 600,
            atomic: false,
            cleanupOnFail: true,
            maxHistory: 5,
        },
        opts,
    );
}
