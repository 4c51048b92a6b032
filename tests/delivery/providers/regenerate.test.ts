/** `npm run replace-tables` without the providers' source: one clear message and exit code, no stack trace. */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../../support/tempDir";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const run = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "delivery", "bin", "replaceTables.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PROVIDER_SOURCES: "" },
    });

describe("provider replace tables: regeneration without the source", () => {
    it("asks for --mirror (exit 2), and names the missing clone with the clone command (exit 1)", function () {
        this.timeout(60_000);
        const usage = run([]);
        assert.equal(usage.status, 2, usage.stderr);
        assert.match(usage.stderr, /--mirror <dir>/);
        const dir = tempDir("sources");
        try {
            const missing = run(["--mirror", dir, "--only", "command", "--out", dir]);
            assert.equal(missing.status, 1, missing.stderr);
            assert.match(
                missing.stderr,
                /no clone of pulumi\/pulumi-command at .*git clone --bare https:\/\/github.com\/pulumi\/pulumi-command/,
            );
            assert.doesNotMatch(missing.stderr, /\n\s+at /);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
