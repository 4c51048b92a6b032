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

describe("synth URNs", () => {
    it("are formed as the engine forms them: no stack prefix, the parent's whole type chain", async () => {
        const result = await synthStack("dev-infra");
        const lifecycle = result.resources.find((r) => r.name === "dev-k3s-agent-0-lifecycle");
        assert.equal(
            lifecycle?.urn,
            "urn:pulumi:dev-infra::data-platform::platform:infra:K3sCluster$platform:infra:K3sNode$command:local:Command::dev-k3s-agent-0-lifecycle",
        );
        const stack = result.resources.find((r) => r.type === "pulumi:pulumi:Stack");
        assert.ok(result.resources.filter((r) => r.parent === stack?.urn).every((r) => !r.urn.includes("pulumi:pulumi:Stack$")));
        assert.ok(result.resources.every((r) => r.parent === null || result.resources.some((p) => p.urn === r.parent)), "every parent is a recorded resource");
    });
});
