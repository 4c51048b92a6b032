/** The first deploy is one path: images pushed (main or a release tag) before the apps layer; README, docs and workflows agree. */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { OWN_IMAGE_TAG } from "../../apps/images";
import { OWN_IMAGES } from "../../apps/repository";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

interface Step {
    uses?: string;
    run?: string;
    name?: string;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
    steps?: Step[];
    strategy?: { matrix: { include: { name: string }[] } };
}

describe("delivery: the first deploy's images exist before the apps layer", () => {
    const images = parse(read(".github/workflows/images.yml")) as {
        on: { push: { branches: string[]; tags: string[] } };
        jobs: Record<string, Job>;
    };
    const deploy = parse(read(".github/workflows/deploy.yml")) as { jobs: Record<string, Job> };

    it("the images workflow pushes every own image for each main commit as sha-<7>, a tag the stacks accept", () => {
        assert.ok(images.on.push.branches.includes("main"));
        const publish = images.jobs.publish!;
        assert.deepEqual(publish.strategy!.matrix.include.map((m) => m.name).sort(), [...Object.values(OWN_IMAGES)].sort());
        const tags = String(publish.steps!.find((s) => s.uses?.startsWith("docker/metadata-action@"))!.with!.tags);
        assert.match(tags, /type=sha,prefix=sha-,format=short,enable=\{\{is_default_branch\}\}/);
        assert.match("sha-1a2b3c4", OWN_IMAGE_TAG, "format=short is seven hex digits");
    });

    it("CI's dev deploy sets that commit's sha-<7> before up; the README's manual path does the same before its first up", () => {
        const steps = Object.values(deploy.jobs).flatMap((j) => j.steps ?? []);
        const tagStep = steps.findIndex((s) => /npm run release -- image-tag dev "sha-\$\{SHA:0:7\}"/.test(s.run ?? ""));
        const upStep = steps.findIndex((s) => /npm run up -- dev/.test(s.run ?? ""));
        assert.ok(tagStep >= 0 && upStep > tagStep, "deploy.yml: image-tag, then up");
        const readme = read("README.md");
        const manual = readme.indexOf("npm run release -- image-tag dev sha-$(git rev-parse --short=7 HEAD)");
        assert.ok(manual >= 0, "README names the main build's tag for the first deploy");
        assert.ok(manual < readme.indexOf("npm run up -- dev"), "README: images before the first up");
        assert.ok(
            readme.indexOf("imageRegistryToken") < readme.indexOf("npm run up -- dev"),
            "README: the pull credential before the first up",
        );
    });

    it("docs/delivery.md documents the one path and the check that enforces it", () => {
        const doc = read("docs/delivery.md");
        assert.match(doc, /### The first deploy: images before the apps layer/);
        assert.match(doc, /\*\*Own images exist\*\* \(apps layer, `delivery\/deploy\/checks\/imageCheck\.ts`\)/);
        assert.ok(
            !/kubectl -n <namespace> create secret docker-registry/.test(doc),
            "no hand-made pull secret in namespaces the same up creates",
        );
    });
});
