/**
 * The hook before a layer is applied: checks that look at one layer's preview (and the
 * environment) and may refuse it. `deploy` (cli.ts) runs them on each layer right after its
 * preview, before the preview is shown for confirmation; in layer by layer mode that is after the
 * layers below were applied, so a check sees the lower layers' fresh outputs.
 */
import type { LayerPreview } from "../plan";

export interface PreApplyContext {
    readonly env: string;
}

/** Reasons not to apply this layer (empty: go on). */
export type PreApplyCheck = (layer: LayerPreview, context: PreApplyContext) => Promise<string[]> | string[];

/** Every check's refusals for one layer, in the order the checks are given. */
export async function preApplyRefusals(checks: readonly PreApplyCheck[], layer: LayerPreview, env: string): Promise<string[]> {
    const refusals: string[] = [];
    for (const check of checks) refusals.push(...(await check(layer, { env })));
    return refusals;
}
