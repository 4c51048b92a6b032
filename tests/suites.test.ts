/**
 * Every test file belongs to exactly one suite, so none silently drops out of all of them (a new file with
 * a suffix no spec names would never run) and none runs twice. The suites are the npm scripts that run mocha
 * with a config: `test` (.mocharc.json: the fast tests), `test:services` (real servers, browsers and service
 * processes), `test:images`, `test:boot` and `test:lifetime`. A test file is a .ts file under tests/ or a
 * service's test/ folder that declares tests (describe/it) or hooks, outside the helper folders.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const SUITES = ["test", "test:services", "test:images", "test:boot", "test:lifetime"];
// Helpers (support code, fixtures, the lifetime suite's parts and tools), not tests of their own.
const HELPER_FOLDERS = new Set(["support", "fixtures", "parts", "bin", "image", "stand-in"]);
const DECLARES_TESTS = /^\s*(describe|it|before|after|beforeEach|afterEach)(\.only|\.skip)?\(|^\s*describe\w+\(/m;

interface MochaConfig {
    spec: string[];
    ignore?: string[];
}

/** The mocharc an npm script runs mocha with (`mocha` alone reads .mocharc.json). */
function configOf(script: string): string {
    const m = /^mocha(?: --config (\S+))?$/.exec(script);
    assert.ok(m, `"${script}": a suite runs mocha with a config file and nothing else, so its files are named in one place`);
    return m[1] ?? ".mocharc.json";
}

function filesOf(config: MochaConfig): string[] {
    const ignored = (f: string) => f.split(path.sep).includes("node_modules");
    const files = fs.globSync(config.spec, { cwd: ROOT, exclude: ignored });
    return files.map((f) => f.split(path.sep).join("/"));
}

function testFiles(): string[] {
    const found: string[] = [];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = `${dir}/${entry.name}`;
            if (entry.isDirectory()) {
                if (entry.name !== "node_modules" && !HELPER_FOLDERS.has(entry.name)) walk(rel);
            } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
                if (DECLARES_TESTS.test(fs.readFileSync(path.join(ROOT, rel), "utf8"))) found.push(rel);
            }
        }
    };
    walk("tests");
    for (const group of ["apps/todo", "apps/stream"]) {
        for (const pkg of fs.readdirSync(path.join(ROOT, group))) {
            if (fs.existsSync(path.join(ROOT, group, pkg, "test"))) walk(`${group}/${pkg}/test`);
        }
    }
    return found.sort();
}

describe("test suites: every test file runs in exactly one", () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const suites = new Map(
        SUITES.map((name) => {
            const config = JSON.parse(fs.readFileSync(path.join(ROOT, configOf(scripts[name] ?? "")), "utf8")) as MochaConfig;
            return [name, new Set(filesOf(config))] as const;
        }),
    );

    it("the suites are the npm scripts test, test:services, test:images, test:boot and test:lifetime", () => {
        const mochaScripts = Object.keys(scripts).filter((name) => /^mocha\b/.test(scripts[name]!));
        assert.deepEqual(mochaScripts.sort(), [...SUITES].sort());
        for (const [name, files] of suites) assert.ok(files.size > 0, `${name} finds test files`);
    });

    it("each test file is in exactly one suite", () => {
        const problems: string[] = [];
        for (const file of testFiles()) {
            const owners = SUITES.filter((name) => suites.get(name)!.has(file));
            if (owners.length !== 1) problems.push(`${file}: ${owners.length === 0 ? "in no suite" : `in ${owners.join(", ")}`}`);
        }
        assert.deepEqual(problems, [], "name it *.test.ts (npm test), *.services.ts (test:services) or a suffix of another suite");
    });

    it("the check is not a rubber stamp: it sees the files of every suite and the helpers it skips", () => {
        const all = testFiles();
        for (const file of [
            "tests/suites.test.ts",
            "tests/apps/postgresTls.services.ts",
            "tests/images/builds.slow.ts",
            "tests/boot/hooks.boot.ts",
            "apps/stream/common/test/stop.services.ts",
        ])
            assert.ok(all.includes(file), file);
        assert.ok(!all.some((f) => f.includes("/support/")), "helpers are not test files");
        assert.ok(suites.get("test:services")!.has("apps/todo/frontend/test/e2e.services.ts"));
        assert.ok(!suites.get("test")!.has("apps/todo/frontend/test/e2e.services.ts"));
    });
});
