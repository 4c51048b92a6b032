/**
 * One prefix for every component type token (`data-platform:<layer>:<Kind>`, lib/componentType.ts),
 * and the infra components typed `platform:infra:*` before keep their state: on the real synth,
 * the offline diff from the old tokens to the new ones is empty (tests/infra/pools.test.ts diffs a
 * synth recorded by older code, old tokens and all, to the same end).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { diffSynth } from "../../delivery/diff/diff";
import type { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { formerUrn, FORMER_TYPES, TYPE_PREFIX } from "../../lib/componentType";
import { synth } from "../support/synth";

const ROOT = path.resolve(__dirname, "..", "..");

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = `${dir}/${e.name}`;
        if (e.name === "node_modules" || /^apps\/(todo|stream)\/(?!todoApp|sensorStream)/.test(rel)) return [];
        return e.isDirectory() ? sources(rel) : rel.endsWith(".ts") ? [rel] : [];
    });
}

/** The synth as the code before the rename recorded it: old tokens (in every URN too), no type alias. */
function beforeRename(result: SynthResult): SynthResult {
    const renames = Object.entries(FORMER_TYPES);
    const old = (s: string) => renames.reduce((acc, [now, was]) => acc.split(now).join(was), s);
    const resources = result.resources.map((r): SynthResource => {
        const copy = JSON.parse(old(JSON.stringify({ ...r, aliases: undefined }))) as SynthResource;
        const aliases = r.aliases?.filter((a) => !(a.type && Object.values(FORMER_TYPES).includes(a.type)));
        return { ...copy, ...(aliases?.length ? { aliases } : { aliases: undefined }) };
    });
    return { ...result, resources };
}

describe("architecture: component type tokens", () => {
    it("every component names its type through componentType (no literal token, one prefix)", () => {
        const literal = sources("infra")
            .concat(sources("cluster"), sources("apps"))
            .filter((f) => /super\(\s*["'`][\w-]+:/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
        assert.deepEqual(literal, []);
    });

    it("rewrites a URN's type chain to the former tokens, names with :: included", () => {
        assert.equal(
            formerUrn("urn:pulumi:s::p::data-platform:infra:K3sCluster$data-platform:infra:K3sNode$command:local:Command::a::b"),
            "urn:pulumi:s::p::platform:infra:K3sCluster$platform:infra:K3sNode$command:local:Command::a::b",
        );
        assert.equal(formerUrn("urn:pulumi:s::p::data-platform:cluster:Kafka::k"), "urn:pulumi:s::p::data-platform:cluster:Kafka::k");
    });

    for (const stack of ["dev-infra", "prod-infra", "dev-cluster", "dev-apps"]) {
        it(`${stack}: every component token has the one prefix; from the old tokens the diff is empty`, async function () {
            this.timeout(300_000);
            const head = await synth(stack);
            const components = head.resources.filter((r) => !r.custom && !r.type.startsWith("pulumi:"));
            assert.ok(components.length > 0);
            assert.deepEqual(
                components.filter((r) => !r.type.startsWith(`${TYPE_PREFIX}:`)).map((r) => r.type),
                [],
            );
            const base = beforeRename(head);
            const kinds = diffSynth(base, head).changes.map((c) => `${c.kind} ${c.urn}`);
            assert.deepEqual(kinds, []);
            if (stack.endsWith("-infra")) {
                // Without the aliases the same rename would recreate every infra component and child.
                const unaliased = { ...head, resources: head.resources.map((r) => ({ ...r, aliases: r.aliases?.filter((a) => !a.type) })) };
                const lost = diffSynth(base, unaliased).changes.filter((c) => c.kind === "create" || c.kind === "delete");
                assert.ok(lost.length > 20, `${lost.length} creates/deletes without aliases`);
            }
        });
    }
});
