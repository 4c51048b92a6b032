/**
 * The install-script policy (package.json `allowScripts`, docs/delivery.md): every package in
 * the lockfile that has an install script is decided — allowed or denied by name — so `npm ci`
 * runs exactly the scripts the project chose and warns about none.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

/** Name and version of every locked package with an install script. */
function withInstallScripts(): { name: string; version: string }[] {
    const lock = read("package-lock.json") as { packages: Record<string, { version?: string; hasInstallScript?: boolean; name?: string }> };
    return Object.entries(lock.packages)
        .filter(([, p]) => p.hasInstallScript)
        .map(([where, p]) => ({
            name: p.name ?? where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length),
            version: p.version ?? "",
        }));
}

describe("install-script policy", () => {
    const policy = (read("package.json") as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};

    it("decides every locked package that has an install script (allowed or denied)", () => {
        const undecided = withInstallScripts().filter(
            ({ name, version }) => policy[`${name}@${version}`] === undefined && policy[name] === undefined,
        );
        assert.deepEqual(undecided, [], "add each to allowScripts in package.json (and say why in docs/delivery.md)");
    });

    it("lists nothing that is not a locked package with an install script", () => {
        const locked = withInstallScripts();
        for (const key of Object.keys(policy)) {
            const at = key.lastIndexOf("@");
            const name = at > 0 ? key.slice(0, at) : key;
            assert.ok(
                locked.some((p) => p.name === name && (at <= 0 || p.version === key.slice(at + 1))),
                `${key} matches no locked package with an install script`,
            );
        }
    });

    it("every decision is explained in docs/delivery.md", () => {
        const docs = fs.readFileSync(path.join(ROOT, "docs", "delivery.md"), "utf8");
        for (const key of Object.keys(policy)) assert.ok(docs.includes(`\`${key}\``), `docs/delivery.md explains ${key}`);
    });
});
