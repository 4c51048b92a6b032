/**
 * The scenario runner on the host: its result line on pass, on failure and when its own deadline
 * ends it (naming the step under way), and the lifecycle commands a failed scenario leaves
 * running stopped with their whole process tree (sh → node here, as sh → npx → tsx → node there).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { eventually } from "../boot/support/suite";
import { runCommand } from "./support/engine";
import { runScenario } from "./support/scenario";

/** A process's state letter from /proc (Z: exited, not yet reaped), or "gone". */
function stateOf(pid: number): string {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    } catch {
        return "gone";
    }
}

describe("lifetime: the scenario runner", () => {
    it("prints the passed line", async () => {
        const lines: string[] = [];
        await runScenario(
            "quick",
            60_000,
            async (s) => s.step("one step"),
            (l) => lines.push(l),
        );
        assert.deepEqual(lines, ["    [0 s] one step", "scenario quick: passed in 0 s"]);
    });

    it("names the step a failing scenario was at", async () => {
        const lines: string[] = [];
        await assert.rejects(
            runScenario(
                "broken",
                60_000,
                async (s) => {
                    s.step("the check");
                    throw new Error("the marker is gone");
                },
                (l) => lines.push(l),
            ),
            /the marker is gone/,
        );
        assert.equal(lines.at(-1), 'scenario broken: failed after 0 s at "the check": the marker is gone');
    });

    it("ends at its deadline with the step under way, and stops the lifecycle command it left running", async function () {
        this.timeout(30_000);
        const lines: string[] = [];
        let grandchild = 0;
        let gotPid: () => void = () => undefined;
        const started = new Promise<void>((resolve) => (gotPid = resolve));
        let command: Promise<void> | undefined;
        const ctx = {
            cloud: { boot: async () => undefined, discard: async () => undefined },
            kubeconfig: "",
            step: () => undefined,
            log: (l: string) => {
                const m = /pid (\d+)/.exec(l);
                if (m) {
                    grandchild = Number(m[1]);
                    gotPid();
                }
            },
        };
        const run = runScenario(
            "stuck",
            2_000,
            async (s) => {
                s.step("server-2: lifecycle create (wait-cluster)");
                // A readiness gate that never passes; `; true` keeps sh as its parent (no exec).
                command = runCommand(
                    ctx,
                    "gate",
                    `${JSON.stringify(process.execPath)} -e "console.log('pid ' + process.pid); setInterval(() => {}, 1000)"; true`,
                    {},
                );
                await started;
                await command;
            },
            (l) => lines.push(l),
        );
        await assert.rejects(run, /deadline/);
        assert.match(
            lines.at(-1)!,
            new RegExp(
                /^scenario stuck: failed after 2 s at "server-2: lifecycle create \(wait-cluster\)": /.source +
                    /.*deadline.*\(1 lifecycle command\(s\) stopped\)$/.source,
            ),
        );
        // The command's promise settles once its tree is gone: sh exits after its child.
        await assert.rejects(command!, /exited/);
        assert.ok(grandchild > 0);
        // SIGTERM reached it; under load it may take a moment to be scheduled and exit.
        await eventually("the gate's node process to exit", 10_000, async () =>
            ["gone", "Z"].includes(stateOf(grandchild)) ? true : undefined,
        );
    });
});
