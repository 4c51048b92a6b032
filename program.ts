/**
 * The one program entry: each stack names its layer in config (`data-platform:layer`) and this
 * module runs that layer. It sits at the root, above the layers it loads, so every import in the
 * tree runs downwards (tests/architecture). Layers are loaded lazily so a stack only evaluates its
 * own layer's code, and exported as functions so synth and tests can run several stacks in one
 * process.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "./lib/config/reader";
import { LAYERS, LayerName, LayerOutputs } from "./lib/layers";
import type { Repository } from "./apps/repository";

/** What a run may be given besides config: only the offline synth passes anything. */
export interface ProgramContext {
    /** The repository to assume when the environment names none (apps/repository.ts). */
    readonly repository?: Repository;
}

const loaders: Record<LayerName, (context: ProgramContext) => Promise<LayerOutputs>> = {
    infra: async () => (await import("./infra")).infraLayer(),
    cluster: async () => (await import("./cluster")).clusterLayer(),
    apps: async (context) => (await import("./apps")).appsLayer(context.repository),
};

/** Runs the layer that the current stack's config selects. */
export async function program(context: ProgramContext = {}): Promise<LayerOutputs> {
    const config = new pulumi.Config();
    const layer = config.get("layer");
    if (!layer || !(LAYERS as readonly string[]).includes(layer)) {
        throw new ConfigValidationError(`stack ${pulumi.getStack()}`, [
            {
                key: `${pulumi.getProject()}:layer`,
                value: layer === undefined ? "(unset)" : JSON.stringify(layer),
                message: `must be one of ${LAYERS.map((l) => `"${l}"`).join(", ")}`,
            },
        ]);
    }
    return loaders[layer as LayerName](context);
}
