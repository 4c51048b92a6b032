/**
 * `npm run release -- check <vX.Y.Z>`: every production apps stack file names the X.Y.Z images
 *   (CI refuses to deploy a release otherwise).
 * `npm run release -- verify-tag <vX.Y.Z>`: the tag is a release (delivery/release/releaseTag.ts: annotated,
 *   vX.Y.Z, on a commit of main) in this clone.
 * `npm run release -- image-tag <env> <tag>`: sets `appsImageTag` in the env's apps stack file of this
 *   checkout (CI: main's deploy runs that commit's `sha-<7>` images in dev).
 * `npm run release -- pin <vX.Y.Z> [--summary <file.md>]`: looks up each of those images' digest in
 *   the registry (GITHUB_TOKEN for private GHCR packages) and writes `name:X.Y.Z@sha256:...` into
 *   the stack files of this checkout, so the deploy runs exactly those images; the table of
 *   digests goes to --summary (the job summary in CI).
 */
import * as fs from "fs";
import { parseDocument } from "yaml";
import { PRODUCTION_ENV } from "../deploy/confirmation";
import { environmentsIn } from "../environments/environments";
import { defaultMainRef, releaseTagProblems } from "../release/releaseTag";
import { manifestDigest, pinDigests, releaseProblems, releaseVersion, writeImageTag } from "../release/release";
import { stackFile } from "../synth/stackConfig";
import { ROOT, STACKS_DIR } from "../synth/stacks";
import { OWN_IMAGE_TAG } from "../../apps/images";
import { gitOrigin, OWN_IMAGES, OwnImageKey, resolveRepository } from "../../apps/repository";
import { runMain } from "./run";

const USAGE = "usage: npm run release -- check|pin|verify-tag <vX.Y.Z> [--summary <file.md>] | image-tag <env> <tag>";

function productionAppsStacks(): string[] {
    return environmentsIn(STACKS_DIR)
        .filter((e) => PRODUCTION_ENV.test(e.env) && e.stacks.apps)
        .map((e) => e.stacks.apps!);
}

async function main(): Promise<number> {
    const [command, tag, ...rest] = process.argv.slice(2);
    if (command === "image-tag") return setImageTag(tag, rest[0]);
    if (command === "verify-tag" && tag) {
        const problems = releaseTagProblems(ROOT, { tag, mainRef: defaultMainRef(ROOT) });
        for (const p of problems) console.error(p);
        if (problems.length === 0) console.log(`${tag} is a release tag.`);
        return problems.length === 0 ? 0 : 1;
    }
    const summaryAt = rest.indexOf("--summary");
    const summary = summaryAt >= 0 ? rest[summaryAt + 1] : undefined;
    const version = tag ? releaseVersion(tag) : undefined;
    if (!["check", "pin"].includes(command ?? "") || !version) {
        console.error(USAGE);
        return 2;
    }
    const stacks = productionAppsStacks();
    const problems = stacks.flatMap((s) => releaseProblems(stackFile(STACKS_DIR, s), `stacks/Pulumi.${s}.yaml`, tag));
    if (stacks.length === 0) problems.push("no production apps stack (stacks/Pulumi.prod-apps.yaml) to release to");
    if (problems.length > 0) {
        console.error(
            `Release ${tag} does not name its images:\n${problems.map((p) => `  ${p}`).join("\n")}\nBump the tag ` +
                `in the stack files on main, merge, then tag that commit.`,
        );
        return 1;
    }
    console.log(`${tag}: ${stacks.join(", ")} name the ${version} images.`);
    if (command === "check") return 0;

    const repository = resolveRepository(process.env, () => gitOrigin(ROOT));
    const rows: string[] = [];
    for (const stack of stacks) {
        const file = stackFile(STACKS_DIR, stack);
        const config = (parseDocument(fs.readFileSync(file, "utf8")).toJS() as { config: Record<string, unknown> }).config;
        const configured = config["data-platform:imageRegistry"] as string | { server?: string } | undefined;
        const registry =
            (typeof configured === "string" ? configured : configured?.server) ??
            (repository ? `ghcr.io/${repository.owner.toLowerCase()}` : undefined);
        const pinned = {} as Record<OwnImageKey, string>;
        for (const [key, name] of Object.entries(OWN_IMAGES) as [OwnImageKey, string][]) {
            const image =
                (config[`data-platform:${key}`] as string | undefined)?.split("@")[0] ??
                (registry ? `${registry}/${name}:${version}` : undefined);
            if (!image)
                throw new Error(
                    `${stack}: no imageRegistry and no known repository owner (set GITHUB_REPOSITORY or data-platform:imageRegistry)`,
                );
            const digest = await manifestDigest(image, { token: process.env.GITHUB_TOKEN });
            pinned[key] = `${image}@${digest}`;
            rows.push(`| ${stack} | \`${image}\` | \`${digest}\` |`);
        }
        pinDigests(file, pinned);
    }
    const table = [`### Images of ${tag}`, "", "| stack | image | digest |", "| --- | --- | --- |", ...rows, ""].join("\n");
    console.log(table);
    if (summary) fs.appendFileSync(summary, table);
    return 0;
}

function setImageTag(env: string | undefined, tag: string | undefined): number {
    const stack = environmentsIn(STACKS_DIR).find((e) => e.env === env)?.stacks.apps;
    if (!stack || !tag || !OWN_IMAGE_TAG.test(tag)) {
        console.error(`${USAGE}\n(<env> with an apps stack; <tag> like "sha-1a2b3c4" or "1.4.0")`);
        return 2;
    }
    writeImageTag(stackFile(STACKS_DIR, stack), tag);
    console.log(`${stack}: appsImageTag = ${tag}`);
    return 0;
}

runMain(main);
