/**
 * The wrapper's server half (tests/lifetime/parts/wrapper/server.sh) with REAL etcd, on the host:
 * a cluster-init member saves k3s' bootstrap data, a snapshot is taken, and `--cluster-reset`
 * with that snapshot on a fresh data directory (a new server-0 that generated its own encryption
 * config) writes the snapshot's encryption config back; a restart whose token opens only another
 * token's data is refused, and so is a reset with another token. etcd comes from the lifetime
 * suite's parts cache (parts/build.sh): without a finished build there this test is skipped (it
 * never builds: that takes tens of minutes).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { requireDebianPackage } from "../support/debian";
import { tempDir } from "../support/tempDir";

const PARTS = path.join(__dirname, "parts");

/** The parts cache directory build.sh would print, when its build finished (never builds). */
function cachedParts(): string | undefined {
    const script = fs.readFileSync(path.join(PARTS, "build.sh"), "utf8");
    const value = (name: string) => new RegExp(`^${name}=(\\S+)`, "m").exec(script)?.[1];
    const root =
        process.env.DATA_PLATFORM_LIFETIME_CACHE ??
        path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "data-platform-lifetime");
    const dir = path.join(root, `k8s-${value("KUBERNETES_VERSION")}-etcd-${value("ETCD_VERSION")}-r${value("RECIPE")}`);
    return fs.existsSync(path.join(dir, "done")) ? dir : undefined;
}

const portFree = (port: number) =>
    new Promise<boolean>((resolve) => {
        const s = net.createServer();
        s.once("error", () => resolve(false));
        s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });

const HARNESS = path.join(__dirname, "support", "serverHarness.sh");

describe("k3s made of upstream parts: the server's bootstrap data with real etcd", () => {
    let parts: string | undefined;
    before(async function () {
        requireDebianPackage(this, "cloud-init");
        requireDebianPackage(this, "openssl");
        parts = cachedParts();
        if (!parts) {
            console.log("    (skipped: no finished parts build in the lifetime cache; npm run test:lifetime builds it)");
            this.skip();
        }
        if (!(await portFree(2379)) || !(await portFree(2380))) {
            console.log("    (skipped: etcd's ports 2379/2380 on 127.0.0.1 are in use)");
            this.skip();
        }
    });

    it("restores the snapshot's encryption config on a reset, and refuses another token at a reset and at a restart", function () {
        this.timeout(120_000);
        const work = tempDir("k3s-reset");
        try {
            const run = spawnSync("bash", [HARNESS, path.join(PARTS, "wrapper"), parts!, work], { encoding: "utf8", timeout: 110_000 });
            const steps = Object.fromEntries(
                run.stdout
                    .split("\n")
                    .filter((l) => l.startsWith("STEP "))
                    .map((l) => [l.split(" ")[1], l.split(" ").slice(2).join(" ")]),
            );
            const why = `${run.stdout}\n${run.stderr}`;
            assert.equal(steps.saved, "", why);
            assert.notEqual(steps["reset-other-token"], "0", "a snapshot's bootstrap data needs the token of its time");
            assert.match(fs.readFileSync(path.join(work, "reset-other.log"), "utf8"), /does not open with this token/);
            assert.equal(steps.reset, "0", why);
            assert.equal(steps["encryption-config"], `{"key":"the cluster's"}`, "the snapshot's, not the new VM's");
            assert.notEqual(steps["restart-other-token"], "0");
            assert.match(fs.readFileSync(path.join(work, "restart-other.log"), "utf8"), /encrypted with different token/);
            assert.equal(steps.restart, "0", why);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });
});
