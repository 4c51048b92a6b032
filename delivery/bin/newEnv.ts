/**
 * `npm run new-env -- <name> [--from dev|prod] [--dir <stacks dir>]`
 *
 * Writes stacks/Pulumi.<name>-{infra,cluster,apps}.yaml from an existing environment's files
 * (default dev): names and environment-derived values rewritten, secrets left unset with the
 * exact `pulumi config set --secret` lines printed, the example values still to replace listed.
 * `npm run synth` works at once; `npm run up -- <name>` refuses until the example values are gone.
 */
import * as fs from "fs";
import * as path from "path";
import { environmentsIn } from "../environments/environments";
import { ENV_NAME, newEnvironment } from "../environments/newEnv";
import { placeholderReport, projectName } from "../deploy/checks/placeholderGate";
import { runMain } from "./run";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run new-env -- <name> [--from <existing environment>] [--dir <stacks dir>]";

function main(argv: string[]): number {
    const flag = (name: string) => {
        const i = argv.indexOf(name);
        if (i < 0) return undefined;
        const v = argv[i + 1];
        argv.splice(i, 2);
        return v;
    };
    const from = flag("--from") ?? "dev";
    const dir = path.resolve(flag("--dir") ?? path.join(ROOT, "stacks"));
    const [name, ...extra] = argv;
    if (!name || extra.length > 0 || name.startsWith("-")) {
        console.error(USAGE);
        return 2;
    }
    if (!ENV_NAME.test(name)) {
        console.error(
            `"${name}" is not an environment name: a short lowercase name (a-z, ` +
                `0-9, '-', at most 16 characters, starting with a letter), e.g. "staging"`,
        );
        return 2;
    }
    const envs = environmentsIn(dir);
    const source = envs.find((e) => e.env === from);
    if (!source) {
        console.error(`--from ${from}: no such environment in ${dir} (known: ${envs.map((e) => e.env).join(", ") || "none"})`);
        return 2;
    }
    if (envs.some((e) => e.env === name)) {
        console.error(`Environment "${name}" already has stack files in ${dir}; pick another name or edit those.`);
        return 2;
    }
    const texts = Object.fromEntries(
        Object.entries(source.stacks).map(([layer, stack]) => [layer, fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")]),
    );
    const created = newEnvironment(texts, from, name);
    for (const [file, text] of Object.entries(created.files)) {
        fs.writeFileSync(path.join(dir, file), text);
        console.log(`wrote ${path.relative(process.cwd(), path.join(dir, file)) || file}`);
    }
    if (created.secretCommands.length > 0) {
        console.log(`\nSecrets of ${from} are not copied (they are encrypted for its stacks). Set them for ${name}:`);
        for (const c of created.secretCommands) console.log(`  ${c}`);
    }
    const stacks = Object.keys(created.files).map((f) => ({ stack: f.replace(/^Pulumi\.|\.yaml$/g, "") }));
    const left = placeholderReport(dir, stacks, projectName(ROOT));
    console.log(
        left
            ? `\n${left}\n\`npm run up -- ${name}\` refuses to apply until each is replaced; \`npm run synth\` works now.`
            : `\nNo example values left. Next: npm run up -- ${name}`,
    );
    return 0;
}

runMain(() => main(process.argv.slice(2)), { stack: true });
