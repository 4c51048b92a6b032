/**
 * Tests that need a program from a Debian package (installed by `bash .ci/run`) behave the same way
 * everywhere: outside CI they skip, with one line per missing package naming it and `.ci/run`;
 * under CI=true (which .ci/run sets) a missing package is a failure, never a silent skip.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The Debian packages the suites use, each with how its presence is probed. */
const probes = {
    "cloud-init": () => answers("cloud-init", ["--version"]),
    shellcheck: () => answers("shellcheck", ["--version"]),
    chromium: () => fs.existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"),
    postgresql: () => postgresBinDir() !== undefined,
    nginx: () => answers("nginx", ["-v"]),
    prometheus: () => answers("promtool", ["--version"]),
    rclone: () => answers("rclone", ["version"]),
    iptables: () => answers("iptables", ["--version"]),
    openssl: () => answers("openssl", ["version"]),
    jq: () => answers("jq", ["--version"]),
    "docker-registry": () => answers("docker-registry", ["--version"]),
    "apache2-utils": () => answers("htpasswd", ["-nbB", "probe", "probe"]),
    pgbouncer: () => answers("pgbouncer", ["--version"]),
} as const;

export type DebianPackage = keyof typeof probes;

const present = new Map<DebianPackage, boolean>();
const reported = new Set<DebianPackage>();

function answers(command: string, args: string[]): boolean {
    return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

/** The newest installed PostgreSQL server's bin directory (or PG_BIN), if any. */
export function postgresBinDir(): string | undefined {
    if (process.env.PG_BIN) return process.env.PG_BIN;
    const root = "/usr/lib/postgresql";
    if (!fs.existsSync(root)) return undefined;
    const versions = fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a));
    return versions.length > 0 ? path.join(root, versions[0], "bin") : undefined;
}

export function hasDebianPackage(pkg: DebianPackage): boolean {
    let known = present.get(pkg);
    if (known === undefined) {
        known = probes[pkg]();
        present.set(pkg, known);
    }
    return known;
}

/** Skips the calling test/hook when `pkg` is missing (outside CI), fails under CI=true. */
export function requireDebianPackage(ctx: Mocha.Context, pkg: DebianPackage): void {
    if (hasDebianPackage(pkg)) return;
    const what = `the Debian package "${pkg}" (bash .ci/run installs it)`;
    if (process.env.CI === "true") assert.fail(`missing ${what}; CI=true, so this is a failure, not a skip`);
    if (!reported.has(pkg)) {
        reported.add(pkg);
        process.stdout.write(`  skipping the tests that need ${what}\n`);
    }
    ctx.skip();
}
