/**
 * Every repository path the Markdown names exists: files move as the rooms are tidied, and a doc
 * pointing a reader at a file that is gone is a stale figure like any other. Paths with a
 * placeholder (`stacks/Pulumi.<stack>.yaml`) or a glob (`apps/*.ts`, `{a,b}`) are patterns, not files.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const TOP = ["apps", "cluster", "infra", "lib", "delivery", "tests", "policy", "docs", "stacks", ".ci", ".github"];
const PATH = new RegExp(`(?<![\\w/.-])((?:${TOP.map((t) => t.replace(".", "\\.")).join("|")})/[A-Za-z0-9_./-]*[A-Za-z0-9_/])`, "g");
/** What makes the rest of a word a pattern rather than a path (a placeholder, a glob, a variable). */
const PATTERN_REST = /^[^\s`'"),]*[<*{$]/;

/** The repository paths a Markdown text names, with their line numbers; patterns left out. */
export function namedPaths(text: string): { line: number; path: string }[] {
    const out: { line: number; path: string }[] = [];
    text.split("\n").forEach((l, i) => {
        for (const m of l.matchAll(PATH)) {
            if (PATTERN_REST.test(l.slice(m.index! + m[0].length))) continue;
            out.push({ line: i + 1, path: m[1].replace(/\/$/, "") });
        }
    });
    return out;
}

describe("architecture: paths named in the docs", () => {
    it("finds paths and leaves patterns out", () => {
        assert.deepEqual(
            namedPaths(
                "see `infra/nodes.ts` and tests/lib/\n`stacks/Pulumi.<stack>.yaml`, `stacks/a-{b,c}.yaml`, `apps/*.ts`, `x/infra/a.ts`",
            ),
            [
                { line: 1, path: "infra/nodes.ts" },
                { line: 1, path: "tests/lib" },
            ],
        );
    });

    it("names no file or folder that does not exist", () => {
        const docs = execFileSync("git", ["ls-files", "*.md"], { cwd: ROOT, encoding: "utf8" })
            .split("\n")
            // Vendored chart and metric fixtures quote their upstream repositories' paths.
            .filter((f) => f && !f.startsWith("tests/fixtures/"));
        const missing = docs.flatMap((doc) =>
            namedPaths(fs.readFileSync(path.join(ROOT, doc), "utf8"))
                .filter((p) => !fs.existsSync(path.join(ROOT, p.path)))
                .map((p) => `${doc}:${p.line} ${p.path}`),
        );
        assert.deepEqual(missing, [], "paths named in Markdown that are not in the repository");
    });
});
