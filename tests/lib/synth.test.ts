import * as assert from "node:assert/strict";
import { renderSynth } from "../../lib/synth/synth";
import { synthStack } from "../../lib/synth/stacks";

describe("synth", () => {
    it("is deterministic: two runs of a stack render byte-identical files", async () => {
        const first = renderSynth(await synthStack("dev-infra"));
        const second = renderSynth(await synthStack("dev-infra"));
        assert.equal(first, second);
    });
});
