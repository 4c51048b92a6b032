/**
 * The tree's import direction: lib ← infra ← cluster ← apps (each layer reads only the layers
 * below it and lib), the root entry (index.ts, program.ts) reads lib and the layers, delivery
 * reads everything, and nothing reads delivery or the root entry. Checked on the real import
 * statements of every source file, with the offending import named.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { findCycle } from "./cycles";

const ROOT = path.resolve(__dirname, "..", "..");
type Room = "root" | "lib" | "infra" | "cluster" | "apps" | "delivery";

const MAY_READ: Record<Room, readonly Room[]> = {
    lib: ["lib"],
    infra: ["lib", "infra"],
    cluster: ["lib", "infra", "cluster"],
    apps: ["lib", "infra", "cluster", "apps"],
    root: ["root", "lib", "infra", "cluster", "apps"],
    delivery: ["root", "lib", "infra", "cluster", "apps", "delivery"],
};

/** The services under apps/todo and apps/stream are packages of their own, not the program. */
const SEPARATE_PACKAGES = [/^apps\/(todo|stream)\//];

function roomOf(rel: string): Room | undefined {
    if (rel === "index.ts" || rel === "program.ts") return "root";
    const top = rel.split("/")[0];
    return (["lib", "infra", "cluster", "apps", "delivery"] as const).find((r) => r === top);
}

function sources(dir: string): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.name === "node_modules" || SEPARATE_PACKAGES.some((p) => p.test(`${rel}/`))) continue;
        if (entry.isDirectory()) out.push(...sources(rel));
        else if (/\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(rel);
    }
    return out;
}

/** Relative imports of a file: static, dynamic and require, with whether they are type-only. */
export function importsOf(text: string): { spec: string; typeOnly: boolean }[] {
    const found: { spec: string; typeOnly: boolean }[] = [];
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?\sfrom\s+["']([^"']+)["']/gm))
        found.push({ spec: m[3], typeOnly: !!m[2] });
    for (const m of text.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g)) found.push({ spec: m[1], typeOnly: false });
    return found.filter((i) => i.spec.startsWith("."));
}

function resolve(from: string, spec: string): string {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
        if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile()) return candidate;
    }
    return base;
}

describe("architecture: import direction between the rooms", () => {
    const files = ["index.ts", "program.ts", ...["lib", "infra", "cluster", "apps", "delivery"].flatMap((d) => sources(d))];
    const graph = new Map<string, { target: string; typeOnly: boolean }[]>();
    for (const file of files) {
        const text = fs.readFileSync(path.join(ROOT, file), "utf8");
        graph.set(
            file,
            importsOf(text).map((i) => ({ target: resolve(file, i.spec), typeOnly: i.typeOnly })),
        );
    }

    it("reads the imports it checks (a parser that finds nothing would pass anything)", () => {
        assert.ok(files.length > 100, `${files.length} source files`);
        assert.ok((graph.get("program.ts") ?? []).some((i) => i.target === "infra/index.ts"));
        assert.deepEqual(importsOf('import type { A } from "../x";\nconst m = await import("./y");\nimport * as fs from "fs";'), [
            { spec: "../x", typeOnly: true },
            { spec: "./y", typeOnly: false },
        ]);
    });

    it("every import runs down: lib <- infra <- cluster <- apps <- root entry; delivery reads all, nothing reads delivery", () => {
        const wrong: string[] = [];
        for (const [file, imports] of graph) {
            const from = roomOf(file)!;
            for (const { target } of imports) {
                const to = roomOf(target);
                if (to === undefined) wrong.push(`${file} imports ${target}, outside the program's rooms`);
                else if (!MAY_READ[from].includes(to))
                    wrong.push(`${file} (${from}) imports ${target} (${to}): ${from} may read ${MAY_READ[from].join(", ")}`);
            }
        }
        assert.deepEqual(wrong, []);
    });

    it("has no import circle (type-only imports included: a circle through types still ties two rooms)", () => {
        const plain = new Map([...graph].map(([file, imports]) => [file, imports.map((i) => i.target).filter((t) => graph.has(t))]));
        const cycle = findCycle(plain);
        assert.equal(cycle, undefined, `import circle: ${cycle?.join(" -> ")}`);
    });
});

describe("import cycle finder", () => {
    it("finds a circle through three files and none in a chain", () => {
        assert.deepEqual(
            findCycle(
                new Map([
                    ["a", ["b"]],
                    ["b", ["c"]],
                    ["c", ["a"]],
                ]),
            ),
            ["a", "b", "c", "a"],
        );
        assert.equal(
            findCycle(
                new Map([
                    ["a", ["b"]],
                    ["b", ["c"]],
                    ["c", []],
                ]),
            ),
            undefined,
        );
    });
});
