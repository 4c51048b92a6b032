import * as assert from "node:assert/strict";
import { diffSynth } from "../../../delivery/diff/diff";
import { renderStackDiff } from "../../../delivery/diff/markdown";
import type { SynthResult } from "../../../delivery/synth/synth";
import { synth } from "../../support/synth";
import { nextPatch } from "../../support/k3sVersions";

const k3sVersion = (r: SynthResult) => String(r.outputs.k3sVersion);

describe("offline diff: replacing the only server", function () {
    // Several fresh synths (overrides, previous outputs) are not cached.
    this.timeout(120_000);
    it("warns, and says what survives: the datastore volume (etcd), the NFS volume, Cinder volumes", async () => {
        const dev = await synth("dev-infra");
        const bumped = await synth("dev-infra", { "data-platform:k3sVersion": nextPatch(k3sVersion(dev)) });
        const diff = diffSynth(dev, bumped);
        assert.equal(diff.warnings?.length, 1);
        const [warning] = diff.warnings!;
        assert.match(warning, /`dev-k3s-server-0` is the only server and is replaced \(why: [^)]*name/);
        assert.match(warning, /Survives: the etcd datastore on volume `dev-k3s-server-0-datastore`/);
        assert.match(warning, /NFS volume `dev-k3s-nfs-data`/);
        assert.match(warning, /local-path/);
        assert.match(renderStackDiff(diff), /> ⚠️ `dev-k3s-server-0` is the only server/);
    });

    it("says the control plane starts empty when the datastore volume does not survive", async () => {
        const dev = await synth("dev-infra");
        const bumped = await synth("dev-infra", { "data-platform:k3sVersion": nextPatch(k3sVersion(dev)) });
        const withoutVolume: SynthResult = {
            ...bumped,
            resources: bumped.resources.filter((r) => !/-datastore$/.test(String(r.inputs.name ?? ""))),
        };
        const [warning] = diffSynth(dev, withoutVolume).warnings ?? [];
        assert.match(warning, /NOT kept/);
        assert.match(warning, /Restore the latest etcd snapshot/);
    });

    it("stays quiet for an HA server roll (the other members keep etcd) and for agents", async () => {
        const prod = await synth("prod-infra");
        const bumped = await synth("prod-infra", { "data-platform:k3sVersion": nextPatch(k3sVersion(prod)) });
        assert.equal(diffSynth(prod, bumped).warnings, undefined);
        const dev = await synth("dev-infra");
        const agentOnly = await synth("dev-infra", {
            "data-platform:agentPools": JSON.stringify({
                default: { flavor: "mb1.large", count: 2, labels: { "platform.example.org/tier": "batch" } },
            }),
        });
        assert.equal(diffSynth(dev, agentOnly).warnings, undefined);
    });
});
