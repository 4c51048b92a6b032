/**
 * `npm run test:images`: every service image built for real by the Dockerfile stand-in in
 * ./build.ts (no Docker engine here), from the repository root as context, offline from the npm
 * cache. Then the runtime stage is inspected and its CMD started the way the image starts it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildImage, type ImageBuild } from "./build";

const ROOT = path.resolve(__dirname, "../..");

/** Packages in `node_modules` of a built stage (scoped ones as `@scope/name`). */
function installed(modules: string): Set<string> {
    const out = new Set<string>();
    for (const entry of fs.readdirSync(modules)) {
        if (entry.startsWith(".")) continue;
        if (entry.startsWith("@")) for (const sub of fs.readdirSync(path.join(modules, entry))) out.add(`${entry}/${sub}`);
        else out.add(entry);
    }
    return out;
}

/** Every package folder under a node_modules, nested ones included. */
function packageDirs(modules: string): string[] {
    return [...installed(modules)].flatMap((m) => {
        const dir = path.join(modules, m);
        const nested = path.join(dir, "node_modules");
        return [dir, ...(fs.existsSync(nested) ? packageDirs(nested) : [])];
    });
}

/** Names a package's own manifest says it loads (dependencies, optional and peer dependencies). */
function requires(dir: string): string[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    return [
        ...Object.keys(pkg.dependencies ?? {}),
        ...Object.keys(pkg.optionalDependencies ?? {}),
        ...Object.keys(pkg.peerDependencies ?? {}),
    ];
}

function manifest(dir: string): { dependencies?: Record<string, string>; devDependencies?: Record<string, string> } {
    return JSON.parse(fs.readFileSync(path.join(ROOT, dir, "package.json"), "utf8"));
}

const nodeServices = [
    {
        dir: "apps/todo/backend",
        refuses: /DATABASE_URL|PGPASSWORD|invalid configuration/i,
        env: { PGPASSWORD: "", DATABASE_URL: "not a url" },
    },
    { dir: "apps/stream/producer", refuses: /KAFKA_BOOTSTRAP is required/, env: {} },
    { dir: "apps/stream/processor", refuses: /KAFKA_BOOTSTRAP is required/, env: {} },
] as const;

describe("service images built from the repository root (Dockerfile stand-in)", function () {
    this.timeout(300_000);

    for (const service of nodeServices) {
        describe(service.dir, () => {
            let image: ImageBuild;
            before(() => {
                image = buildImage(path.join(ROOT, service.dir, "Dockerfile"), ROOT);
            });
            after(() => image?.remove());

            it("the runtime stage holds the compiled code and exactly the production dependency tree", () => {
                const app = path.join(image.final.root, image.final.workdir);
                const modules = installed(path.join(app, "node_modules"));
                const pkg = manifest(service.dir);
                for (const dep of Object.keys(pkg.dependencies ?? {})) assert.ok(modules.has(dep), `${dep} (dependency) is in the image`);
                for (const dep of Object.keys(pkg.devDependencies ?? {}))
                    assert.ok(!modules.has(dep), `${dep} (devDependency) is not in the image`);
                // Nothing beyond the closure: every package is a dependency of the service or of another package in the image.
                const wanted = new Set([
                    ...Object.keys(pkg.dependencies ?? {}),
                    ...packageDirs(path.join(app, "node_modules")).flatMap(requires),
                ]);
                const orphans = [...modules].filter((m) => !wanted.has(m));
                assert.deepEqual(orphans, [], "packages no production package of the service needs");
                assert.ok(!modules.has("@pulumi/pulumi"), "the root program's dependencies stay out");
                const dangling = [...modules].filter((m) => !fs.existsSync(path.join(app, "node_modules", m)));
                assert.deepEqual(dangling, [], "no dangling workspace links");
                assert.ok(!fs.existsSync(path.join(app, "src")) && !fs.existsSync(path.join(app, "test")), "no sources or tests");
            });

            it("its CMD starts and refuses missing configuration with a clear message", () => {
                const r = image.runCmd(service.env);
                assert.notEqual(r.status, 0);
                assert.match(r.output, service.refuses);
                assert.doesNotMatch(r.output, /Cannot find module|ERR_MODULE_NOT_FOUND/);
            });
        });
    }

    describe("apps/todo/frontend", () => {
        let image: ImageBuild;
        before(() => {
            image = buildImage(path.join(ROOT, "apps/todo/frontend/Dockerfile"), ROOT);
        });
        after(() => image?.remove());

        it("the runtime stage serves the built SPA with the image's nginx config, and nothing else", () => {
            const html = path.join(image.final.root, "usr/share/nginx/html");
            assert.ok(fs.existsSync(path.join(html, "index.html")));
            assert.ok(fs.readdirSync(path.join(html, "assets")).some((f) => f.endsWith(".js")));
            assert.ok(fs.existsSync(path.join(image.final.root, "etc/nginx/conf.d/default.conf")));
            assert.ok(!fs.existsSync(path.join(image.final.root, "src")) && !fs.existsSync(path.join(image.final.root, "node_modules")));
        });
    });
});
