/** Builds the SPA with Vite when dist/ is missing or older than its sources. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const frontendRoot = path.resolve(__dirname, "..");
export const distDir = path.join(frontendRoot, "dist");

function newestMtime(p: string): number {
    const st = fs.statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    return fs.readdirSync(p).reduce((m, name) => Math.max(m, newestMtime(path.join(p, name))), st.mtimeMs);
}

export function distIsFresh(): boolean {
    const index = path.join(distDir, "index.html");
    if (!fs.existsSync(index)) return false;
    const sources = ["src", "index.html", "vite.config.mts", "package.json"].map((p) => path.join(frontendRoot, p));
    const newestSource = Math.max(...sources.filter((p) => fs.existsSync(p)).map(newestMtime));
    return fs.statSync(index).mtimeMs >= newestSource;
}

export function ensureBuilt(): void {
    if (distIsFresh()) return;
    // Hoisted to the workspace root's node_modules by the root `npm ci`.
    const vite = path.join(path.dirname(require.resolve("vite/package.json", { paths: [frontendRoot] })), "bin", "vite.js");
    const r = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], { cwd: frontendRoot, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}${r.stderr}`);
}
