/**
 * The one program entry: each stack names its layer in config (`data-platform:layer`) and this
 * module runs that layer. Layers are loaded lazily so a stack only evaluates its own layer's code,
 * and exported as functions so synth and tests can run several stacks in one process.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "./config/reader";

export const LAYERS = ["infra", "cluster", "apps"] as const;
export type LayerName = (typeof LAYERS)[number];

/** Stack outputs of a layer. */
export type LayerOutputs = Record<string, unknown>;

const loaders: Record<LayerName, () => Promise<LayerOutputs>> = {
    infra: async () => (await import("../infra")).infraLayer(),
    cluster: async () => (await import("../cluster")).clusterLayer(),
    apps: async () => (await import("../apps")).appsLayer(),
};

/** Runs the layer that the current stack's config selects. */
export async function program(): Promise<LayerOutputs> {
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
    return loaders[layer as LayerName]();
}
