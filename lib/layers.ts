/** The platform's layers, bottom to top: each stack runs exactly one (`data-platform:layer`). */
export const LAYERS = ["infra", "cluster", "apps"] as const;
export type LayerName = (typeof LAYERS)[number];

/** Stack outputs of a layer. */
export type LayerOutputs = Record<string, unknown>;
