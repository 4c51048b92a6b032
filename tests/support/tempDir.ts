/**
 * The one way tests make a temp dir: `tempDir(prefix)` makes it and registers it for removal, so
 * no test leaves anything in TMPDIR, whether it passes, fails or times out before its own cleanup.
 * Removal runs as a Mocha root `afterAll` hook (.mocharc.json and tests/services.mocharc.json
 * require this file), which in parallel mode runs after each spec file, and again when the process
 * exits, for runs that load no config (`mocha --no-config`) and for scripts outside Mocha.
 * So a dir lives no longer than its spec file: what a process shares across files needs its own.
 * tests/architecture/tempDirs.test.ts keeps tests from calling mkdtemp themselves.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// On globalThis, not in this module: a spec file may load this module through the ESM loader and
// the Mocha config through require, and both must see the same list.
const REGISTRY = Symbol.for("data-platform.tests.tempDirs");
type Registry = { dirs: Set<string>; exitHook: boolean };
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY] as Registry | undefined) ?? {
    dirs: new Set<string>(),
    exitHook: false,
};
(globalThis as Record<symbol, unknown>)[REGISTRY] = registry;

/** A new empty directory under the temp dir, named `<prefix>-XXXXXX`, removed once the spec file's tests have run. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix.replace(/-$/, "")}-`));
    registry.dirs.add(dir);
    if (!registry.exitHook) {
        registry.exitHook = true;
        process.once("exit", removeTempDirs);
    }
    return dir;
}

/** Removes every dir `tempDir` made in this process so far (each once). */
export function removeTempDirs(): void {
    for (const dir of registry.dirs) {
        fs.rmSync(dir, { recursive: true, force: true });
        registry.dirs.delete(dir);
    }
}

/** The Mocha root hook plugin: loaded with `require` in the Mocha configs. */
export const mochaHooks = { afterAll: removeTempDirs };
