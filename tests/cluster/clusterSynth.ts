/** Shared by the cluster synth tests: the environments, and how they find releases and ordering in a synth. */
import * as assert from "node:assert/strict";
import type { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { ofType } from "../support/synth";

export const ENVS = ["dev", "prod"] as const;
export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const isKube = (r: SynthResource) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers");
export const releaseOf = (result: SynthResult, chart: string) => {
    const found = ofType(result, RELEASE).find((r) => String(r.inputs.chart).split("/").pop() === chart);
    assert.ok(found, `no release of ${chart} in ${result.stack}`);
    return found;
};
/** URNs a resource must wait for: explicit dependsOn (input dependencies are recorded separately). */
export const waitsFor = (r: SynthResource, other: SynthResource) => r.options.dependsOn.includes(other.urn);
