/**
 * Where server-0's bootstrap choice (bootstrap.ts, pure) meets the stack's history: a cluster is
 * initialised exactly once, while this stack has never published outputs (they resolve only
 * after the readiness gate). The stack's own previous outputs say so; the same reference reads
 * the same checkpoint in a preview and in the `up --plan` after it.
 */
import * as pulumi from "@pulumi/pulumi";
import { decideBootstrap, encodeBootstrap, INITIALISED_OUTPUTS } from "./bootstrap";

/** This stack's own outputs of its previous deployment (none on the first). */
export function previousOutputs(name: string, cluster: pulumi.Resource): pulumi.StackReference {
    return new pulumi.StackReference(
        `${name}-previous-outputs`,
        { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` },
        { parent: cluster },
    );
}

/** server-0's first-boot start, encoded for its instance metadata. */
export function bootstrapDecision(previous: pulumi.StackReference, restoreSnapshot: string | undefined): pulumi.Output<string> {
    return pulumi
        .all(INITIALISED_OUTPUTS.map((key) => previous.getOutput(key)))
        .apply((values) =>
            encodeBootstrap(decideBootstrap(Object.fromEntries(INITIALISED_OUTPUTS.map((key, i) => [key, values[i]])), restoreSnapshot)),
        );
}
