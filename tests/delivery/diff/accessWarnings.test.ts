/**
 * The offline diff's warnings for `revokedAdminGroups`: revoking or re-granting a group replaces
 * the servers, and which identity that `up` needs (and the step k3s leaves to a person) is not
 * in the plan itself. From real synths of the fixture stacks, with the key overridden.
 */
import * as assert from "node:assert/strict";
import { diffSynth } from "../../../delivery/diff/diff";
import { adminAccessWarnings, revokedGroups } from "../../../delivery/diff/accessWarnings";
import { renderStackDiff } from "../../../delivery/diff/markdown";
import { K3S_RELEASES } from "../../../infra/k3sReleases";
import type { SynthResult } from "../../../delivery/synth/synth";
import { ofType, synth } from "../../support/synth";

const KEY = "data-platform:revokedAdminGroups";
const serverNames = (r: SynthResult) =>
    ofType(r, "openstack:compute/instance:Instance")
        .filter((i) => (i.inputs.metadata as Record<string, string>).role === "server")
        .map((i) => i.name);

/** A k3s release of the same minor newer than the stack's (replaces every node). */
function newerPatch(result: SynthResult): string {
    const current = String(result.outputs.k3sVersion);
    const parts = (v: string) => /^v(\d+)\.(\d+)\.(\d+)\+k3s\d+$/.exec(v)!.slice(1).map(Number);
    const [major, minor, patch] = parts(current);
    const next = Object.keys(K3S_RELEASES).find((v) => {
        const [a, b, c] = parts(v);
        return a === major && b === minor && c > patch;
    });
    assert.ok(next, `no release newer than ${current} in infra/k3sReleases.ts`);
    return next;
}

describe("offline diff: revoking and re-granting a cluster-admin group", function () {
    // Fresh synths (overrides) are not cached.
    this.timeout(180_000);
    let dev: SynthResult;
    let devRevoked: SynthResult;
    before(async () => {
        dev = await synth("dev-infra");
        devRevoked = await synth("dev-infra", { [KEY]: '["deployers"]' });
    });

    it("reads the revoked groups back from every server's user-data", () => {
        assert.deepEqual([...revokedGroups(dev)], []);
        assert.deepEqual([...revokedGroups(devRevoked)], ["deployers"]);
        assert.deepEqual([...revokedGroups(undefined)], []);
    });

    it(
        "revoking the deploy identity's group: the servers roll, " + "the up needs the binding until it ends, then break-glass deletes it",
        () => {
            const diff = diffSynth(dev, devRevoked);
            const servers = diff.changes.filter((c) => c.kind === "replace" && serverNames(devRevoked).includes(c.name));
            assert.ok(servers.length > 0, "the servers are replaced");
            const warnings = (diff.warnings ?? []).filter((w) => w.includes("revokedAdminGroups"));
            assert.equal(warnings.length, 1, warnings.join("\n"));
            const [w] = warnings;
            assert.match(w, /^`data-platform:deployers` is revoked \(`revokedAdminGroups` lists `deployers`\)/);
            for (const s of servers) assert.ok(w.includes(s.name), `names ${s.name}`);
            assert.match(w, /run it while the binding still exists/);
            assert.match(w, /sudo k3s kubectl delete clusterrolebinding platform-deployers/);
            assert.match(w, /first `up` cannot finish/);
            assert.match(renderStackDiff(diff), /> ⚠️ `data-platform:deployers` is revoked/);
        },
    );

    it("re-granting it: re-create the binding through break-glass first; the single server's .skip stays and is named", () => {
        const warnings = adminAccessWarnings(diffSynth(devRevoked, dev).changes, devRevoked, dev);
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0], /^`data-platform:deployers` is granted again/);
        assert.match(
            warnings[0],
            /sudo k3s kubectl create clusterrolebinding platform-deployers --clusterrole=cluster-admin --group=data-platform:deployers/,
        );
        assert.match(warnings[0], /a leaked one included/);
        assert.match(
            warnings[0],
            new RegExp(
                /single server keeps `\/var\/lib\/rancher\/k3s\/server\/manifests\/platform-deployers\.yaml\.skip`.*`sudo/.source +
                    / rm \S+platform-deployers\.yaml\.skip && sudo k3s kubectl apply -f \S+platform-deployers\.yaml`/.source,
            ),
        );
    });

    it("while it stays revoked, a plan that replaces nodes says their drains and readiness checks will fail", async () => {
        const bumped = await synth("dev-infra", { [KEY]: '["deployers"]', "data-platform:k3sVersion": newerPatch(dev) });
        const warnings = adminAccessWarnings(diffSynth(devRevoked, bumped).changes, devRevoked, bumped);
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(
            warnings[0],
            /stays revoked and this plan replaces, creates or deletes nodes .*drains and readiness checks run as that group and fail/,
        );
    });

    it(
        "people's group in HA: one warning about the delete by hand, " +
            "none about the deploy identity; re-granting names no single server",
        async () => {
            const prod = await synth("prod-infra");
            const revoked = await synth("prod-infra", { [KEY]: '["admins"]' });
            const warnings = adminAccessWarnings(diffSynth(prod, revoked).changes, prod, revoked);
            assert.equal(warnings.length, 1, warnings.join("\n"));
            assert.match(warnings[0], /^`data-platform:admins` is revoked/);
            assert.match(warnings[0], /the servers are replaced one at a time \(3: /);
            assert.match(warnings[0], /delete it once after this `up` \(`kubectl delete clusterrolebinding platform-admins`/);
            assert.doesNotMatch(warnings[0], /deploy identity/);
            const back = adminAccessWarnings(diffSynth(revoked, prod).changes, revoked, prod);
            assert.equal(back.length, 1);
            assert.match(back[0], /^`data-platform:admins` is granted again.*first new server's k3s applies the binding/);
            assert.doesNotMatch(back[0], /single server/);
        },
    );

    it("stays quiet when nothing about the groups changes", () => {
        assert.deepEqual(adminAccessWarnings(diffSynth(dev, dev).changes, dev, dev), []);
        assert.deepEqual(adminAccessWarnings(diffSynth(devRevoked, devRevoked).changes, devRevoked, devRevoked), []);
    });
});
