/**
 * The program's modules form no import circle (type-only imports included: a circle through
 * types still ties two rooms together). Service packages under apps/<service>/ are their own
 * workspaces and are checked by their own graph.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

function programFiles(): string[] {
    const all = execFileSync("git", ["ls-files", "*.ts"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
    return all.filter((f) => !f.startsWith("tests/") && !/^apps\/(todo|stream)\/[^/]+\//.test(f) && fs.existsSync(path.join(ROOT, f)));
}

/** Relative imports of one file, resolved to repository paths. */
function importsOf(file: string, known: Set<string>): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const out: string[] = [];
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"(\.[^"]+)"/gms)) {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]));
        const hit = [`${base}.ts`, `${base}/index.ts`].find((c) => known.has(c));
        if (hit) out.push(hit);
    }
    return out;
}

/** One cycle in the graph, or undefined (depth-first search with an explicit path). */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (node: string): string[] | undefined => {
        state.set(node, "open");
        stack.push(node);
        for (const next of graph.get(node) ?? []) {
            if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
            if (!state.has(next)) {
                const found = visit(next);
                if (found) return found;
            }
        }
        stack.pop();
        state.set(node, "done");
        return undefined;
    };
    for (const node of graph.keys()) {
        if (!state.has(node)) {
            const found = visit(node);
            if (found) return found;
        }
    }
    return undefined;
}

describe("program import graph", () => {
    it("has no import circle", () => {
        const files = programFiles();
        const known = new Set(files);
        const graph = new Map(files.map((f) => [f, importsOf(f, known)]));
        assert.ok([...graph.values()].flat().length > 50, "the graph was read (imports found)");
        const cycle = findCycle(graph);
        assert.equal(cycle, undefined, `import circle: ${cycle?.join(" -> ")}`);
    });

    it("the cycle finder finds a circle through three files and none in a chain", () => {
        assert.deepEqual(findCycle(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])), ["a", "b", "c", "a"]);
        assert.equal(findCycle(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]])), undefined);
    });
});
