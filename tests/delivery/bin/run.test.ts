/** How the npm scripts end (delivery/bin/run.ts): main's exit code, or 1 with the error printed. */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { errorText } from "../../../delivery/bin/run";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Runs `runMain(<main>)` in a fresh node, as an npm script would. */
function runScript(main: string, options = "{}") {
    const code = `require("./delivery/bin/run").runMain(${main}, ${options});`;
    return spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, encoding: "utf8" });
}

describe("delivery: how the scripts exit", () => {
    it("prints an error's message, its stack only when asked, and anything else as it is", () => {
        const err = new Error("no backend");
        assert.equal(errorText(err), "no backend");
        assert.match(String(errorText(err, { stack: true })), /^Error: no backend\n\s+at /);
        assert.equal(errorText("plain"), "plain");
    });

    it("exits with main's code, with 1 and the message when main throws, and leaves a void main to Node", () => {
        const ok = runScript("async () => 3");
        assert.equal(ok.status, 3, ok.stderr);
        const thrown = runScript('() => { throw new Error("broken config"); }');
        assert.equal(thrown.status, 1);
        assert.equal(thrown.stderr.trim(), "broken config");
        const left = runScript('() => { console.log("done"); process.exitCode = 4; }');
        assert.equal(left.status, 4);
        assert.equal(left.stdout, "done\n");
    });
});
