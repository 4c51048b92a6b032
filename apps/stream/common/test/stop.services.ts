/**
 * SIGTERM to the real entry points (src/main.ts of each service, under tsx) while no broker answers: each is
 * started against a loopback port nothing listens on, so its Kafka client is still retrying to connect when the
 * signal arrives. Each must stop on its own and exit 0 (it used to wait out the client's retries, about 15 s for
 * the processor, and then exit 1). The loops' stop paths are unit-tested in processor/test/service.test.ts and
 * producer/test/run.test.ts; this is the process: signal handler, loop, health server, no handle left open.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const STREAM = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A loopback port that was free a moment ago (bound by us, then released). */
function freePort(): Promise<number> {
    const probe = createServer();
    return new Promise((resolve) =>
        probe.listen(0, "127.0.0.1", () => {
            const { port } = probe.address() as AddressInfo;
            probe.close(() => resolve(port));
        }),
    );
}

for (const service of ["processor", "producer"] as const) {
    describe(`sensor-${service}: SIGTERM while no broker has answered yet`, function () {
        // A deadline, not a measurement: generous for a loaded machine, far below "waits out the retries forever".
        this.timeout(60_000);

        it("stops on its own, logs that it stopped, and exits 0", async () => {
            const [health, dead] = [await freePort(), await freePort()];
            const child = spawn(process.execPath, ["--import", "tsx", join(STREAM, service, "src", "main.ts")], {
                env: { ...process.env, KAFKA_BOOTSTRAP: `127.0.0.1:${dead}`, HEALTH_PORT: String(health) },
                stdio: ["ignore", "pipe", "pipe"],
            });
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (out += d));
            const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
            try {
                // Ready once /livez answers; by then the client has been sent off to the dead address.
                for (;;) {
                    assert.equal(child.exitCode, null, `exited before serving /livez:\n${out}`);
                    const up = await fetch(`http://127.0.0.1:${health}/livez`).then(
                        (r) => r.ok,
                        () => false,
                    );
                    if (up) break;
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                child.kill("SIGTERM");
                assert.equal(await exited, 0, out);
                assert.match(out, /"msg":"stopped"/);
                assert.doesNotMatch(out, /"level":"error"/);
            } finally {
                if (child.exitCode === null) child.kill("SIGKILL");
            }
        });
    });
}
