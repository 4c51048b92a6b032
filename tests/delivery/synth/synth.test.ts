import * as assert from "node:assert/strict";
import { renderSynth } from "../../../delivery/synth/synth";
import { synthStack } from "../../../delivery/synth/stacks";
import { loadStackConfig } from "../../../delivery/synth/stackConfig";
import * as fs from "fs";
import * as path from "path";
import { FIXTURE_STACKS, fixtureStackFile } from "../../support/stacks";
import { tempDir } from "../../support/tempDir";

describe("synth", () => {
    it("is deterministic: two runs of a stack render byte-identical files", async () => {
        const first = renderSynth(await synthStack("dev-infra", { stacksDir: FIXTURE_STACKS }));
        const second = renderSynth(await synthStack("dev-infra", { stacksDir: FIXTURE_STACKS }));
        assert.equal(first, second);
    });
});

describe("synth URNs", () => {
    it("are formed as the engine forms them: no stack prefix, the parent's whole type chain", async () => {
        const result = await synthStack("dev-infra", { stacksDir: FIXTURE_STACKS });
        const lifecycle = result.resources.find((r) => r.name === "dev-k3s-agent-0-lifecycle");
        assert.equal(
            lifecycle?.urn,
            "urn:pulumi:dev-infra::data-platform::" +
                "data-platform:infra:K3sCluster$data-platform:infra:AgentPool$data-platform:infra:K3sNode$" +
                "command:local:Command::dev-k3s-agent-0-lifecycle",
        );
        const stack = result.resources.find((r) => r.type === "pulumi:pulumi:Stack");
        assert.ok(result.resources.filter((r) => r.parent === stack?.urn).every((r) => !r.urn.includes("pulumi:pulumi:Stack$")));
        assert.ok(
            result.resources.every((r) => r.parent === null || result.resources.some((p) => p.urn === r.parent)),
            "every parent is a recorded resource",
        );
    });
});

describe("synth: stack files", () => {
    it("names the file in a YAML error, and refuses duplicate keys", () => {
        const dir = tempDir("stacks");
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.x-infra.yaml"), "config:\n  data-platform:layer: infra\n  bad: [\n");
            assert.throws(() => loadStackConfig(dir, "x-infra", "data-platform"), /Pulumi\.x-infra\.yaml: not valid YAML: .*line 4/);
            fs.writeFileSync(
                path.join(dir, "Pulumi.y-infra.yaml"),
                "config:\n  data-platform:agentCount: 2\n  data-platform:agentCount: 3\n",
            );
            assert.throws(
                () => loadStackConfig(dir, "y-infra", "data-platform"),
                /Pulumi\.y-infra\.yaml: not valid YAML: Map keys must be unique/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("synth: failures", () => {
    it("a stack that does not validate rejects with the problem, and the next stack still synthesizes", async () => {
        const dir = tempDir("stacks");
        try {
            const good = fs.readFileSync(fixtureStackFile("dev-infra"), "utf8");
            fs.writeFileSync(path.join(dir, "Pulumi.dev-infra.yaml"), good);
            fs.writeFileSync(
                path.join(dir, "Pulumi.bad-infra.yaml"),
                good.replace("data-platform:environment: dev", "data-platform:environment: bad") +
                    "  data-platform:flanelBackend: wireguard-native\n",
            );
            await assert.rejects(
                synthStack("bad-infra", { stacksDir: dir }),
                /data-platform:flanelBackend .*did you mean data-platform:flannelBackend\?/,
            );
            await new Promise((resolve) => setImmediate(resolve));
            const ok = await synthStack("dev-infra", { stacksDir: dir });
            assert.ok(ok.resources.length > 50);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
