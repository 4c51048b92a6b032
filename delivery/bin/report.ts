/**
 * `npm run report -- <env>`: writes out/report/<env>.md and out/report/<env>.svg — nodes per
 * pool and zone, requests vs allocatable with headroom, entry points, volumes and (with a price
 * table) a monthly cost estimate — from the offline synth of this checkout.
 *
 * `npm run report -- --docs`: regenerates the docs' generated figure sections (capacity,
 * headroom, URLs) from the same reports, for every environment in stacks/.
 */
import * as fs from "fs";
import * as path from "path";
import { environmentsIn } from "../environments/environments";
import { applySections, figureSections, sectionsIn, stacksHash } from "../report/docsFigures";
import { environmentReport } from "../report/environment";
import { renderReportMarkdown } from "../report/markdown";
import { renderReportSvg } from "../report/svg";
import type { SynthResult } from "../synth/synth";
import { ROOT, STACKS_DIR } from "../synth/stacks";
import { commandLineOr } from "./args";
import { runMain } from "./run";

const DOCS_DIR = path.join(ROOT, "docs");

async function writeDocs(envs: readonly string[]): Promise<void> {
    const cache = new Map<string, SynthResult>();
    const reports = [];
    for (const env of envs) reports.push(await environmentReport(env, { cache }));
    const sections = figureSections(reports);
    const hash = stacksHash(STACKS_DIR);
    for (const file of fs
        .readdirSync(DOCS_DIR)
        .filter((f) => f.endsWith(".md"))
        .sort()) {
        const full = path.join(DOCS_DIR, file);
        const text = fs.readFileSync(full, "utf8");
        if (sectionsIn(text).length === 0) continue;
        const updated = applySections(text, sections, hash);
        if (updated !== text) fs.writeFileSync(full, updated);
        console.log(`docs/${file}: ${updated === text ? "up to date" : "regenerated"}`);
    }
}

async function main(): Promise<number> {
    const envs = environmentsIn(STACKS_DIR).map((e) => e.env);
    const usage = `usage: npm run report -- <env> | --docs   (environments: ${envs.join(", ")})`;
    const parsed = commandLineOr(process.argv.slice(2), { docs: { type: "boolean" } }, usage);
    if (!parsed) return 2;
    const [env, ...extra] = parsed.positionals;
    if (parsed.values.docs && !env) {
        await writeDocs(envs);
        return 0;
    }
    if (parsed.values.docs || !env || extra.length > 0 || !envs.includes(env)) {
        console.error(usage);
        return 2;
    }
    const report = await environmentReport(env);
    const dir = path.join(ROOT, "out", "report");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${env}.svg`), renderReportSvg(report));
    fs.writeFileSync(path.join(dir, `${env}.md`), renderReportMarkdown(report, `${env}.svg`));
    const shown = (file: string) => path.relative(process.cwd(), path.join(dir, file));
    console.log(`${env}: ${shown(`${env}.md`)}, ${shown(`${env}.svg`)}`);
    return 0;
}

runMain(main);
