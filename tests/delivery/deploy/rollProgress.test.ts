/**
 * `up` reads the lifecycle commands' per-node progress lines out of the STAND-IN `pulumi`'s
 * output (tests/support/fake-pulumi) and ends with a table of the nodes it rolled; the lifecycle
 * side prints those lines as it drains and waits (against a loopback API STAND-IN).
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { progressLine } from "../../../lib/nodeProgress";
import { Clock, until, waitForCluster } from "../../../infra/lifecycle/kubeApi";
import { run, scenario, TWO } from "../deployHarness";

describe("per-node progress in up and the lifecycle commands", () => {
    it("up ends with the table of the nodes the infra layer rolled, before the summary", async () => {
        const upOutput = [
            `    command:local:Command dev-k3s-agent-0-lifecycle deleting ${progressLine("dev-agent-0-aaaaaa", "cordoned", 0)}`,
            `    ${progressLine("dev-agent-0-aaaaaa", "drained", 30_000)}`,
            `    ${progressLine("dev-agent-0-aaaaaa", "deleted", 31_000)}`,
            `    ${progressLine("dev-agent-0-bbbbbb", "registered", 70_000)}`,
            `    ${progressLine("dev-agent-0-bbbbbb", "Ready", 90_000)}`,
        ];
        const r = await run(scenario({ "dev-infra": { upOutput } }), { stacks: TWO, confirm: async () => true });
        assert.equal(r.code, 0, r.out);
        assert.match(
            r.out,
            /\n {2}dev-infra \| {5}node-progress dev-agent-0-aaaaaa drained after 30 s\n/,
            "the lines still stream as they come",
        );
        assert.match(
            r.out,
            new RegExp(
                /Nodes rolled \(seconds since each node's step began\):\nNODE +ROLE IN ROLL/.source +
                    / +DRAINED +DELETED +BOOTED +READY +ELAPSED\ndev-agent-0-aaaaaa +removed +30/.source +
                    / s +31 s +- +- +31 s\ndev-agent-0-bbbbbb +added +- +- +70 s +90 s +90 s\n/.source,
            ),
        );
        assert.ok(r.out.indexOf("Nodes rolled") < r.out.indexOf("Summary: up dev"));
        const quiet = await run(scenario(), { stacks: TWO, confirm: async () => true });
        assert.ok(!quiet.out.includes("Nodes rolled"), "no node rolled, no table");
    });

    it("a failed roll still shows how far each node got", async () => {
        const upOutput = [progressLine("dev-agent-1-aaaaaa", "drained", 12_000)];
        const r = await run(scenario({ "dev-infra": { upOutput, applyFails: "timed out waiting for nodes" } }), {
            stacks: TWO,
            confirm: async () => true,
        });
        assert.equal(r.code, 1);
        assert.match(r.out, /Nodes rolled .*\n.*\ndev-agent-1-aaaaaa +removed +12 s +- +- +- +12 s \(unfinished\)/);
    });

    describe("the lifecycle side", () => {
        let server: http.Server;
        let base: string;
        let looks = 0;
        beforeEach(async () => {
            looks = 0;
            server = http.createServer((req, res): void => {
                res.writeHead(200, { "Content-Type": "application/json" });
                if (req.url === "/readyz") {
                    res.end("{}");
                    return;
                }
                looks++;
                // old: Ready throughout; new: absent, then registered, then Ready.
                const items = [{ metadata: { name: "old" }, status: { conditions: [{ type: "Ready", status: "True" }] } }];
                if (looks >= 2)
                    items.push({
                        metadata: { name: "new" },
                        status: { conditions: [{ type: "Ready", status: looks >= 3 ? "True" : "False" }] },
                    });
                res.end(JSON.stringify({ items }));
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        });
        afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

        it(
            "the readiness wait reports a joining node's registration and Ready once each; " +
                "nodes Ready at the first look are not in the roll",
            async () => {
                const steps: string[] = [];
                await waitForCluster({ server: base }, ["old", "new"], {
                    timeoutMs: 5_000,
                    pollMs: 1,
                    progress: (n, s) => steps.push(`${n} ${s}`),
                });
                assert.deepEqual(steps, ["new registered", "new Ready"]);
            },
        );

        it("a long unchanged wait is logged again every heartbeat with the time so far", async () => {
            const clock: Clock & { t: number } = { t: 0, now: () => clock.t, pause: async (ms) => void (clock.t += ms) };
            const log: string[] = [];
            await assert.rejects(
                until("node x", async () => "Ready: x", {
                    timeoutMs: 150_000,
                    pollMs: 10_000,
                    heartbeatMs: 60_000,
                    clock,
                    log: (l) => log.push(l),
                }),
            );
            assert.deepEqual(log, [
                "node x: waiting for Ready: x",
                "node x: still waiting for Ready: x (60 s so far)",
                "node x: still waiting for Ready: x (120 s so far)",
            ]);
        });
    });
});
