import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigReader } from "../../../lib/config/reader";
import { parseFlavorPrices } from "../../../infra/pricing";
import { applySections, figureSections, sectionsIn, stacksHash } from "../../../delivery/report/docsFigures";
import { buildReport } from "../../../delivery/report/model";
import { pricesOf } from "../../../delivery/report/environment";
import { environmentsIn } from "../../../delivery/environments/environments";
import { STACKS_DIR } from "../../../delivery/synth/stacks";
import { synth } from "../../support/synth";
import { configProblems } from "../../support/config";
import { environment } from "./fixtures";

const DOCS = path.resolve(__dirname, "..", "..", "..", "docs");

describe("docs figures: generated sections", () => {
    it("regenerates a marked section and records the stacks' hash", () => {
        const text = "intro\n<!-- figures:capacity stacks@0 -->\nold figure\n<!-- /figures:capacity -->\nrest\n";
        const out = applySections(text, figureSections([buildReport(environment())]), "abc123");
        assert.match(out, /<!-- figures:capacity stacks@abc123 -->\n\| \| qa \|/);
        assert.ok(!out.includes("old figure"));
        assert.ok(out.endsWith("rest\n"));
        assert.deepEqual(
            sectionsIn(out).map((s) => [s.name, s.hash]),
            [["capacity", "abc123"]],
        );
    });

    it("refuses a section name it cannot generate", () => {
        assert.throws(
            () => applySections("<!-- figures:weather stacks@0 -->\n<!-- /figures:weather -->", {}, "x"),
            /unknown generated section "figures:weather"/,
        );
    });

    // The docs describe the example stacks. When the stack files are the ones the sections were
    // generated from, every figure must be what the code computes now; stack files a user has made
    // their own are not the docs' business (the section's hash tells the two apart).
    it("every generated figure in docs/ matches the synth of the stack files it names", async function () {
        const files = fs.readdirSync(DOCS).filter((f) => f.endsWith(".md"));
        const sections = files.flatMap((f) => sectionsIn(fs.readFileSync(path.join(DOCS, f), "utf8")).map((s) => ({ file: f, ...s })));
        assert.ok(sections.length > 0, "docs/ has generated figure sections");
        const hash = stacksHash(STACKS_DIR);
        const current = sections.filter((s) => s.hash === hash);
        if (current.length === 0) {
            console.log(`    (the stack files differ from those docs/ was generated from: regenerate with npm run report -- --docs)`);
            this.skip();
        }
        const reports = [];
        for (const { env } of environmentsIn(STACKS_DIR)) {
            const [infra, cluster, apps] = [await synth(`${env}-infra`), await synth(`${env}-cluster`), await synth(`${env}-apps`)];
            reports.push(buildReport({ infra, cluster, apps }, pricesOf(STACKS_DIR, `${env}-infra`)));
        }
        const expected = figureSections(reports);
        for (const s of current)
            assert.equal(s.body.trimEnd(), expected[s.name], `docs/${s.file} figures:${s.name} is stale: run npm run report -- --docs`);
    });
});

describe("infra config: flavorPrices", () => {
    const parse = (value: string, used = ["f.a"]) => {
        const r = new ConfigReader("data-platform", (key) => (key === "flavorPrices" ? value : undefined), "stack qa-infra");
        const prices = parseFlavorPrices(r, { "f.a": {}, "f.b": {} }, used);
        r.finish();
        return prices;
    };

    it("reads currency, per-flavor monthly prices and the block-storage price", () => {
        assert.deepEqual(parse('{"currency": "SEK", "flavorPerMonth": {"f.a": 12.5}, "volumeGbPerMonth": 0.1}'), {
            currency: "SEK",
            flavorPerMonth: { "f.a": 12.5 },
            volumeGbPerMonth: 0.1,
        });
    });

    it("names the key and what is allowed for every mistake", () => {
        const problems = configProblems(() => parse('{"currency": "euro", "flavorPerMonth": {"f.x": 1, "f.b": -2}, "volumeGB": 1}'));
        assert.deepEqual(problems.map((p) => p.split(" = ")[0]).sort(), [
            "data-platform:flavorPrices.currency",
            "data-platform:flavorPrices.flavorPerMonth.f.a",
            "data-platform:flavorPrices.flavorPerMonth.f.b",
            "data-platform:flavorPrices.flavorPerMonth.f.x",
            "data-platform:flavorPrices.volumeGB",
        ]);
        assert.ok(problems.some((p) => p.includes("f.a") && p.includes("the nodes use this flavor")));
    });
});
