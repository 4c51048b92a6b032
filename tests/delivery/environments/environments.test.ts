/**
 * A new environment is only its stack files: discovered from stacks/, ordered by layer, and its
 * config validated exactly like dev's and prod's (the layers' own validation, through synth).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ConfigValidationError } from "../../../lib/config/reader";
import { checkStackFiles, discoverEnvironments, environmentsIn, stacksFor } from "../../../delivery/environments/environments";
import { synthStack, PROJECT } from "../../../delivery/synth/stacks";
import { FIXTURE_STACKS as STACKS } from "../../support/stacks";
import { SynthResult } from "../../../delivery/synth/synth";
import { tempDir } from "../../support/tempDir";

/** A stacks dir holding a copy of the fixture stacks plus `staging`, derived from dev's files. */
function withStaging(edit: (text: string, layer: string) => string = (t) => t): string {
    const dir = tempDir("delivery-staging");
    for (const f of fs.readdirSync(STACKS)) fs.copyFileSync(path.join(STACKS, f), path.join(dir, f));
    const dev = environmentsIn(STACKS).find((e) => e.env === "dev")!;
    for (const [layer, stack] of Object.entries(dev.stacks)) {
        const text = fs
            .readFileSync(path.join(STACKS, `Pulumi.${stack}.yaml`), "utf8")
            .replace(/^(\s*data-platform:environment:\s*)dev\s*$/m, "$1staging")
            .replace(/\bdev-(infra|cluster|apps)\b/g, "staging-$1")
            // Every environment-derived value (hosts, bucket, key comment): no dev leftovers.
            .replace(/\bdev\b/g, "staging");
        fs.writeFileSync(path.join(dir, `Pulumi.staging-${layer}.yaml`), edit(text, layer));
    }
    return dir;
}

describe("delivery: environments", () => {
    it("discovers environments as <env>-<layer> prefixes and reports missing layers", () => {
        const envs = discoverEnvironments(["dev-infra", "dev-cluster", "dev-apps", "prod-infra", "eu-west-2-infra", "scratch"]);
        assert.deepEqual(
            envs.map((e) => [e.env, e.missing]),
            [
                ["dev", []],
                ["eu-west-2", ["cluster", "apps"]],
                ["prod", ["cluster", "apps"]],
            ],
        );
        assert.deepEqual(envs[0].stacks, { infra: "dev-infra", cluster: "dev-cluster", apps: "dev-apps" });
    });

    it("finds dev and prod in the fixture stacks, each with its infra stack", () => {
        const envs = environmentsIn(STACKS);
        assert.ok(envs.some((e) => e.env === "dev" && e.stacks.infra === "dev-infra"));
        assert.ok(envs.some((e) => e.env === "prod" && e.stacks.infra === "prod-infra"));
        for (const env of envs) assert.deepEqual(checkStackFiles(STACKS, PROJECT, env), [], env.env);
    });

    it("names the known environments when asked for an unknown one", () => {
        assert.throws(
            () => stacksFor(STACKS, "staging", "up"),
            /No environment "staging" .*known environments are dev, prod.*Pulumi\.staging-infra\.yaml/,
        );
    });

    describe("a new environment (staging) added as stack files", () => {
        let dir: string;
        before(() => {
            dir = withStaging();
        });

        it("is discovered, with its layers in up and destroy order", () => {
            const staging = environmentsIn(dir).find((e) => e.env === "staging");
            assert.ok(staging);
            const layers = Object.keys(staging.stacks);
            assert.deepEqual(
                stacksFor(dir, "staging", "up").map((s) => s.layer),
                ["infra", "cluster", "apps"].filter((l) => layers.includes(l)),
            );
            assert.deepEqual(
                stacksFor(dir, "staging", "destroy").map((s) => s.layer),
                ["apps", "cluster", "infra"].filter((l) => layers.includes(l)),
            );
            assert.deepEqual(checkStackFiles(dir, PROJECT, staging), []);
        });

        it("synthesizes like dev (its config passes the same validation)", async () => {
            const cache = new Map<string, SynthResult>();
            for (const { stack } of stacksFor(dir, "staging", "up")) {
                const result = await synthStack(stack, { stacksDir: dir, cache });
                assert.equal(result.stack, stack);
                assert.ok(result.resources.length > 0, stack);
            }
            const infra = cache.get(`${dir}:staging-infra`)!;
            assert.equal(infra.outputs.environment, "staging");
            assert.ok(infra.resources.some((r) => r.name === "staging-k3s-server-0"));
        });

        it("with a bad value fails with the layer's config error, naming key and value", async () => {
            const bad = withStaging((text, layer) =>
                layer === "infra" ? text.replace(/data-platform:serverCount: "1"/, 'data-platform:serverCount: "2"') : text,
            );
            await assert.rejects(synthStack("staging-infra", { stacksDir: bad }), (err: unknown) => {
                assert.ok(err instanceof ConfigValidationError, String(err));
                assert.match(err.message, /data-platform:serverCount = 2: .*odd/);
                return true;
            });
        });

        it("whose file names a different layer or environment is caught before any synth", () => {
            const bad = withStaging((text) => text.replace(/^(\s*data-platform:environment:\s*)staging\s*$/m, "$1qa"));
            const staging = environmentsIn(bad).find((e) => e.env === "staging")!;
            assert.match(
                checkStackFiles(bad, PROJECT, staging)[0].message,
                /data-platform:environment = "qa": the file name says "staging"/,
            );
        });
    });
});
