// Keeps in node_modules exactly the production dependency closure of one workspace package.
//
// Usage (in an image's build stage, after `npm ci --omit=dev --workspace <dir>`):
//   node delivery/images/prune-to-closure.mjs <workspace dir>
//
// Why: in a workspace, `npm ci --omit=dev --workspace <dir>` keeps every package that the shared
// lockfile does not flag as dev-only anywhere in the workspace. A package another workspace member
// needs in production (typescript for @pulumi/pulumi, say) lands in this service's image too. The
// closure is computed from the lockfile itself (dependencies, optional and peer dependencies,
// resolved the way Node resolves them), so the image keeps what it can load and nothing else.
import fs from "node:fs";
import path from "node:path";

/** Lockfile path of `name` as seen from the package at lockfile path `from` (Node's upward search). */
export function resolveInLock(packages, from, name) {
    let dir = from;
    for (;;) {
        const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
        if (packages[candidate]) return candidate;
        if (dir === "") return undefined;
        const cut = dir.lastIndexOf("/node_modules/");
        dir = cut >= 0 ? dir.slice(0, cut) : "";
    }
}

/** Lockfile paths of the production closure of the workspace at `workspace` (a lockfile path). */
export function productionClosure(packages, workspace) {
    const seen = new Set();
    const visit = (at, include) => {
        const entry = packages[at];
        const names = [
            ...Object.keys(entry.dependencies ?? {}),
            ...Object.keys(entry.optionalDependencies ?? {}),
            ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional),
            ...(include ?? []),
        ];
        for (const name of names) {
            const target = resolveInLock(packages, at, name);
            if (target === undefined || seen.has(target)) continue;
            const resolved = packages[target].link ? packages[target].resolved : target;
            seen.add(target);
            if (resolved !== target) seen.add(resolved);
            visit(resolved);
        }
    };
    visit(workspace);
    return seen;
}

/** Removes installed packages outside the closure; returns what was kept and removed. */
export function pruneToClosure(root, workspace) {
    const packages = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")).packages;
    if (!packages[workspace]) throw new Error(`${workspace} is not a package of ${root}/package-lock.json`);
    const keep = productionClosure(packages, workspace);
    const removed = [];
    // Deepest paths first, so a nested package goes before the folder that holds it.
    const installed = Object.keys(packages)
        .filter((p) => p.startsWith("node_modules/"))
        .sort((a, b) => b.length - a.length);
    for (const p of installed) {
        const isWorkspaceLink = packages[p].link === true;
        if ((keep.has(p) && !isWorkspaceLink) || !fs.existsSync(path.join(root, p))) continue;
        fs.rmSync(path.join(root, p), { recursive: true, force: true });
        removed.push(p);
    }
    // Command links of removed packages would dangle.
    const bin = path.join(root, "node_modules", ".bin");
    if (fs.existsSync(bin))
        for (const link of fs.readdirSync(bin)) if (!fs.existsSync(path.join(bin, link))) fs.rmSync(path.join(bin, link), { force: true });
    for (const scope of fs.readdirSync(path.join(root, "node_modules")).filter((d) => d.startsWith("@"))) {
        const dir = path.join(root, "node_modules", scope);
        if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
    return { kept: [...keep].filter((p) => fs.existsSync(path.join(root, p))).length, removed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const workspace = process.argv[2];
    if (!workspace) {
        process.stderr.write("usage: node delivery/images/prune-to-closure.mjs <workspace dir, e.g. apps/todo/backend>\n");
        process.exit(2);
    }
    const { kept, removed } = pruneToClosure(process.cwd(), workspace.replace(/\/+$/, ""));
    process.stdout.write(
        `kept ${kept} production packages of ${workspace}; removed ${removed.length}: ${removed.map((p) => p.replace(/^node_modules\//, "")).join(", ") || "none"}\n`,
    );
}
