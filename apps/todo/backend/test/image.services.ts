import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startTestApp } from "./helpers";
import { freePort, sharedPostgres } from "./pg-harness";
import { requireDebianPackage } from "../../../../tests/support/debian";
import { readDockerfile, stages } from "../../../../tests/support/dockerfile";
import { tempDir } from "../../../../tests/support/tempDir";

const root = path.resolve(__dirname, "..");
const dockerfile = path.join(root, "Dockerfile");

function runNode(script: string, env: NodeJS.ProcessEnv): Promise<number | null> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [script], { env, stdio: "ignore" });
        child.once("exit", (code) => resolve(code));
    });
}

describe("todo backend: image (Dockerfile)", () => {
    const instructions = readDockerfile(dockerfile);
    const all = stages(instructions);
    const final = all[all.length - 1];

    it("runs as a numeric non-root user, exposes 3001, has a HEALTHCHECK, and ships only compiled code", () => {
        const kw = (k: string) => final.body.filter((i) => i.keyword === k);
        const user = kw("USER").pop()?.args;
        // Numeric and non-zero: Kubernetes runAsNonRoot cannot verify a user name.
        assert.match(user ?? "", /^[1-9]\d*(:\d+)?$/, `final USER is ${user}`);
        assert.deepEqual(
            kw("EXPOSE").map((i) => i.args),
            ["3001"],
        );
        assert.match(kw("HEALTHCHECK")[0]?.args ?? "", /CMD \["node", "dist\/healthcheck\.js"\]/);
        assert.match(kw("CMD")[0]?.args ?? "", /\["node", "dist\/main\.js"\]/);
        assert.ok(!final.body.some((i) => i.keyword === "COPY" && /\bsrc\b|\btest\b/.test(i.args) && !i.args.includes("--from")));
    });

    it("the compiled build has the entry points the image runs, and the healthcheck exits 0/1 with /health", async function () {
        this.timeout(60_000);
        requireDebianPackage(this, "postgresql");
        const out = tempDir("todo-backend-build");
        try {
            const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out], {
                cwd: root,
                encoding: "utf8",
            });
            assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
            assert.ok(fs.existsSync(path.join(out, "main.js")));
            const healthcheck = path.join(out, "healthcheck.js");
            assert.ok(fs.existsSync(healthcheck));

            const pg = await sharedPostgres();
            const app = await startTestApp(pg, await pg.createDatabase("img"));
            try {
                assert.equal(await runNode(healthcheck, { ...process.env, PORT: String(app.running.port) }), 0);
            } finally {
                await app.close();
            }
            assert.equal(await runNode(healthcheck, { ...process.env, PORT: String(await freePort()) }), 1);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
