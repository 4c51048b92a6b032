import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "../../support/tempDir";

const ROOT = path.resolve(__dirname, "../../..");

/** A command that makes a scratch dir, says where, then waits until it is ended from outside. */
async function interrupted(signal: NodeJS.Signals | "end", tmp: string) {
    const script = [
        `const { scratchDir } = require(${JSON.stringify(path.join(ROOT, "delivery/deploy/scratchDir.ts"))});`,
        `const dir = scratchDir("data-platform-plans");`,
        `require("fs").writeFileSync(require("path").join(dir, "plan.json"), "{}");`,
        `console.log(dir);`,
        `process.stdin.on("data", () => process.exit(0));`,
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp } });
    const dir = await new Promise<string>((resolve, reject) => {
        child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
        child.once("exit", (code) => reject(new Error(`exited ${code} before it made its dir`)));
    });
    assert.ok(fs.existsSync(path.join(dir, "plan.json")));
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once("exit", (code, sig) => resolve({ code, signal: sig })),
    );
    if (signal === "end") child.stdin.write("\n");
    else child.kill(signal);
    return { dir, ...(await ended) };
}

describe("delivery: the plans' scratch dir", () => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        it(`is removed when the command is ended by ${signal}, and the command still ends by that signal`, async () => {
            const tmp = tempDir("scratch");
            const { dir, signal: endedBy } = await interrupted(signal, tmp);
            assert.equal(fs.existsSync(dir), false, `${dir} is left after ${signal}`);
            assert.equal(endedBy, signal);
            // tsx, which runs the command here, keeps its compile cache in TMPDIR.
            assert.deepEqual(
                fs.readdirSync(tmp).filter((f) => !f.startsWith("tsx-")),
                [],
            );
        });
    }

    it("is removed when the command exits on its own", async () => {
        const tmp = tempDir("scratch");
        const { dir, code } = await interrupted("end", tmp);
        assert.equal(code, 0);
        assert.equal(fs.existsSync(dir), false);
    });
});
