/**
 * Tests leave nothing in TMPDIR: they make temp dirs with tests/support/tempDir.ts, which removes
 * them after each spec file. A test that calls mkdtemp itself, or builds a name in the temp dir
 * by hand, is where leaks came from (about a hundred entries per `npm test`), so only the helper
 * and the few files below may, each with the reason it cleans up on its own.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../support/tempDir";

const ROOT = path.resolve(__dirname, "..", "..");
const HELPER = "tests/support/tempDir.ts";
const FIXTURE = "tests/fixtures/tempDir/fileScope.fixture.ts";

/** Files that may make temp dirs themselves, and why that leaves nothing behind. */
const ALLOWED: Record<string, string> = {
    [HELPER]: "the helper itself",
    "tests/architecture/tempDirs.test.ts": "this check: it names what it looks for",
    "apps/todo/backend/test/pg-harness.ts":
        "the shared server outlives a spec file (one per process); the harness removes its dir on stop and on exit",
    "apps/stream/common/test/support/image-layout.ts":
        "an ESM workspace that imports nothing from tests/; the layout is removed in `after` and on a failed compile",
    "tests/boot/support/suite.ts": "VM run dirs under the boot cache, not TMPDIR; kept on purpose when a boot test fails",
};

const FORBIDDEN = [/\bmkdtemp(Sync)?\b/, /join\(\s*(os\.)?tmpdir\(\)/];

/** Test code, tracked or new: TypeScript and JavaScript under tests/ and the apps' test/ folders. */
function testFiles(): string[] {
    return execFileSync("git", ["ls-files", "-co", "--exclude-standard", "tests", "apps"], { cwd: ROOT, encoding: "utf8" })
        .split("\n")
        .filter((f) => /\.(ts|js|cjs|mjs)$/.test(f) && (f.startsWith("tests/") || /^apps\/.*\/test\//.test(f)))
        .filter((f) => !f.includes("node_modules/") && fs.existsSync(path.join(ROOT, f)));
}

/** `file:line` for each line of `text` that makes a temp dir other than through the helper. */
export function tempDirMakers(file: string, text: string): string[] {
    return text.split("\n").flatMap((line, i) => (FORBIDDEN.some((re) => re.test(line)) ? [`${file}:${i + 1}`] : []));
}

describe("architecture: temp dirs", () => {
    it("finds mkdtemp and hand-built temp paths, not mentions of the helper", () => {
        const text = [
            'const a = fs.mkdtempSync(path.join(os.tmpdir(), "x-"));',
            'const b = path.join(os.tmpdir(), "preview.md");',
            'const c = tempDir("x");',
            "const home = os.tmpdir();",
        ].join("\n");
        assert.deepEqual(tempDirMakers("a.ts", text), ["a.ts:1", "a.ts:2"]);
    });

    it("test code makes temp dirs with tests/support/tempDir.ts only (or says in ALLOWED why not)", () => {
        const files = testFiles();
        assert.ok(files.length > 100, `git ls-files found ${files.length} test files`);
        const found = files.filter((f) => !(f in ALLOWED)).flatMap((f) => tempDirMakers(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
        assert.deepEqual(found, [], `use tempDir(prefix) from ${HELPER}: it removes the dir after the spec file`);
        const stale = Object.keys(ALLOWED).filter(
            (f) => !files.includes(f) || tempDirMakers(f, fs.readFileSync(path.join(ROOT, f), "utf8")).length === 0,
        );
        assert.deepEqual(stale, [], "these ALLOWED files no longer make temp dirs: drop them from the list");
    });

    it("the Mocha configs of the unit and services suites load the helper's root hook", () => {
        for (const config of [".mocharc.json", "tests/services.mocharc.json"]) {
            const { require: required = [] } = JSON.parse(fs.readFileSync(path.join(ROOT, config), "utf8")) as { require?: string[] };
            assert.ok(required.includes(HELPER), `${config} requires ${HELPER}`);
        }
    });

    it("a spec file's temp dirs are gone once it has run (Mocha in parallel mode, private TMPDIR)", function () {
        this.timeout(60_000);
        const tmp = tempDir("tempdirs-run");
        const mocha = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
        const args = ["--no-config", "--require", HELPER, "--node-option", "import=tsx", "--parallel", "--jobs", "1", FIXTURE];
        const r = spawnSync(process.execPath, [mocha, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /2 passing/);
        // tsx keeps its transform cache in TMPDIR: its own, not a test's.
        assert.deepEqual(
            fs.readdirSync(tmp).filter((e) => !e.startsWith("tsx")),
            [],
        );
    });
});
