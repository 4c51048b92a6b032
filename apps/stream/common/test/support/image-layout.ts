/**
 * Reproduces a service image's file layout without a Docker engine: compiles the service with its own
 * tsconfig.build.json into a temp dir laid out like /app (package.json beside dist/, node_modules linked),
 * so tests can start the compiled entry points the way the image's CMD and HEALTHCHECK do.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Health, startHealthServer } from "../../src/health.js";

export interface Layout {
    readonly root: string;
    run(script: string, env: Record<string, string>, timeoutMs?: number): { status: number | null; stdout: string; stderr: string };
    remove(): void;
}

/**
 * Starts the compile at once (tests call it at module load, so both services compile in parallel while mocha
 * loads the other files) and resolves to the layout.
 */
export function buildImageLayout(serviceDir: string): Promise<Layout> {
    const root = mkdtempSync(join(tmpdir(), "sensor-image-"));
    // Dependencies live in the workspace root's node_modules (one npm workspace), resolved from the service.
    const resolveFrom = createRequire(join(serviceDir, "package.json"));
    const tsc = resolveFrom.resolve("typescript/bin/tsc");
    const modules = dirname(dirname(dirname(tsc))); // <root>/node_modules/typescript/bin/tsc
    const args = [tsc, "-p", join(serviceDir, "tsconfig.build.json"), "--outDir", join(root, "dist"), "--sourceMap", "false"];
    const layout: Layout = {
        root,
        run(script, env, timeoutMs = 60_000) {
            const out = spawnSync(process.execPath, [script], {
                cwd: root,
                env: { PATH: process.env.PATH ?? "", ...env },
                encoding: "utf8",
                timeout: timeoutMs,
            });
            return { status: out.status, stdout: out.stdout, stderr: out.stderr };
        },
        remove() {
            rmSync(root, { recursive: true, force: true });
        },
    };
    const built = new Promise<Layout>((resolve, reject) => {
        execFile(process.execPath, args, { encoding: "utf8" }, (error, stdout, stderr) => {
            if (error) {
                layout.remove();
                reject(new Error(`tsc failed:\n${stdout}${stderr}`));
                return;
            }
            copyFileSync(join(serviceDir, "package.json"), join(root, "package.json"));
            symlinkSync(modules, join(root, "node_modules"), "dir");
            resolve(layout);
        });
    });
    built.catch(() => undefined); // reported by the test that awaits it
    return built;
}

/**
 * The image-layout tests both services share: the compiled CMD entry point refuses a missing broker
 * address with exit 2, and the compiled HEALTHCHECK script tells healthy from stale or unreachable.
 */
export function describeImageLayout(service: "producer" | "processor", serviceDir: string): void {
    // Compile starts while mocha loads the other test files.
    const building = buildImageLayout(serviceDir);

    describe(`${service} image layout (compiled with tsconfig.build.json)`, function () {
        this.timeout(30_000);
        let layout: Layout;
        before(async () => {
            layout = await building;
        });
        after(() => layout?.remove());

        it("CMD entry point exits 2 with a clear message when KAFKA_BOOTSTRAP is missing", () => {
            const out = layout.run(`dist/${service}/src/main.js`, {});
            assert.equal(out.status, 2, out.stderr);
            const line = JSON.parse(out.stderr.trim().split("\n").pop()!) as { level: string; msg: string };
            assert.equal(line.level, "error");
            assert.match(line.msg, /KAFKA_BOOTSTRAP is required but not set/);
        });

        it("HEALTHCHECK script reports 0 for a healthy endpoint, 1 for stale or unreachable", async () => {
            let now = 0;
            const health = new Health("t", 1000, () => now);
            const server = await startHealthServer(health, 0, "127.0.0.1");
            const port = String((server.address() as AddressInfo).port);
            try {
                health.beat();
                const run = (p: string) =>
                    new Promise<number | null>((done) => {
                        // async spawn: the health server lives in this process
                        void import("node:child_process").then(({ execFile }) =>
                            execFile(
                                process.execPath,
                                ["dist/common/src/healthcheck.js"],
                                { cwd: layout.root, env: { HEALTH_PORT: p } },
                                (err) => done(err ? ((err as { code?: number }).code ?? 1) : 0),
                            ),
                        );
                    });
                assert.equal(await run(port), 0);
                now = 10_000;
                assert.equal(await run(port), 1, "stale: no progress");
                await new Promise((r) => server.close(r));
                assert.equal(await run(port), 1, "nothing listening");
            } finally {
                server.close();
            }
        });
    });
}
