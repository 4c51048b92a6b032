/**
 * No line of a tracked TypeScript file is over 140 characters. Prettier (printWidth 140) breaks
 * code, but not string and template literals, regexes or comments: those are wrapped by hand
 * (concatenation, a split template, `new RegExp(/a/.source + /b/.source)`, a named part), and this
 * keeps them so. Characters are counted as Prettier counts them (`→` is one), not as bytes.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const MAX = 140;

/** `file:line (n characters)` for each line of `text` over `max` characters. */
export function longLines(file: string, text: string, max = MAX): string[] {
    return text.split("\n").flatMap((line, i) => {
        const length = [...line].length;
        return length > max ? [`${file}:${i + 1} (${length} characters)`] : [];
    });
}

describe("architecture: line length", () => {
    it("counts characters, not bytes, and names file and line", () => {
        const text = ["short", "→".repeat(MAX), "x".repeat(MAX + 1)].join("\n");
        assert.deepEqual(longLines("a.ts", text), [`a.ts:3 (${MAX + 1} characters)`]);
    });

    it(`no tracked .ts line is over ${MAX} characters`, () => {
        const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
        assert.ok(files.length > 100, `git ls-files found ${files.length} .ts files`);
        const long = files.flatMap((f) => longLines(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
        assert.deepEqual(long, [], "wrap these lines (a string: concatenate its parts; a regex: join the .source of its parts)");
    });
});
