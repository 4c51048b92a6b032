/**
 * The Kafka-facing adapter through partition revocations and re-assignments, against the in-memory
 * fake client (test/support/fakeBroker.ts): nothing revoked is committed, nothing kept is counted
 * twice, no message is lost between two members.
 */
import assert from "node:assert/strict";
import { StreamProcessor } from "../src/adapter.js";
import { WindowCore } from "../src/window-core.js";
import { decodeResult } from "../../common/src/wire.js";
import { type Ev } from "./helpers.js";
import { A, B, FakeBroker, records, tick } from "./support/fakeBroker.js";

describe("processor adapter with an in-memory fake client: rebalances", () => {
    it("revoke during an in-flight send: the late ack does not commit the revoked partition", async () => {
        const broker = new FakeBroker();
        const p = new StreamProcessor(new WindowCore({ windowSize: 2 }), broker, broker);
        p.onAssignment([0, 1]);
        await p.handle([...records(0, [A(1), A(3)]), ...records(1, [B(5)])]);
        await tick();
        p.onAssignment([1]); // partition 0 goes to another member mid-send
        broker.ackAll();
        await p.drain();
        const commits = broker.log.filter((e) => e.kind === "commit");
        assert.deepEqual(
            commits.flatMap((c) => (c.kind === "commit" ? c.offsets.map((o) => o.partition) : [])),
            [],
            "the revoked partition is not committed; partition 1 has its B window open at its start offset",
        );
        await p.handle(records(1, [B(7)], 1));
        await tick();
        broker.ackAll();
        await p.drain();
        assert.equal(broker.committed.get(1), 2n);
        assert.equal(broker.committed.get(0), undefined);
    });

    it("records still buffered for a revoked partition are ignored; re-assignment replays from the commit", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const core = new WindowCore({ windowSize: 2 });
        const p = new StreamProcessor(core, broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [A(1)]));
        await p.drain();
        p.onAssignment([]);
        await p.handle(records(0, [A(3)], 1)); // stale record of the lost partition
        await p.drain();
        assert.equal(broker.log.filter((e) => e.kind === "send").length, 0);
        assert.equal(core.stats.unassigned, 1);
        p.onAssignment([0]); // back again: the client re-reads from the committed offset (0)
        await p.handle(records(0, [A(1), A(3)]));
        await p.drain();
        const sends = broker.log.filter((e) => e.kind === "send");
        assert.equal(sends.length, 1);
        assert.equal(broker.committed.get(0), 2n);
    });

    it("redelivery from the committed offset of a kept partition after a re-join is not double counted", async () => {
        const broker = new FakeBroker();
        broker.autoAck = true;
        const p = new StreamProcessor(new WindowCore({ windowSize: 3 }), broker, broker);
        p.onAssignment([0]);
        await p.handle(records(0, [A(1), A(2)]));
        await p.drain();
        p.onAssignment([0, 1]); // re-join, partition 0 kept; client rewinds to committed offset 0
        await p.handle(records(0, [A(1), A(2), A(3)]));
        await p.drain();
        const sends = broker.log.filter((e) => e.kind === "send");
        assert.equal(sends.length, 1);
        assert.ok(sends[0]!.kind === "send");
        assert.equal(decodeResult(sends[0]!.records[0]!.value).ok && JSON.parse(sends[0]!.records[0]!.value).avg, 2);
    });

    it("two members sharing partitions through rebalances lose no message (simulated group)", async () => {
        // In-memory log of 4 partitions; members take turns; on every rebalance each member is told its new
        // assignment and resumes a newly gained partition from the group's committed offset.
        const parts = 4;
        const n = 5;
        const log: Ev[][] = Array.from({ length: parts }, (_, p) =>
            Array.from({ length: 97 + p * 13 }, (_, i) => ({ sensor: "ABC"[(i * 7 + p) % 3]!, value: i * (p + 1), ts: i })),
        );
        const broker = new FakeBroker();
        broker.autoAck = true;
        const members = [0, 1].map(() => ({ core: new WindowCore({ windowSize: n }), pos: new Map<number, number>() }));
        const procs = members.map((m) => new StreamProcessor(m.core, broker, broker));
        const assignments = [
            [
                [0, 1],
                [2, 3],
            ],
            [[0, 2, 3], [1]],
            [[1], [0, 2, 3]],
            [[0, 1, 2, 3], []],
        ];
        for (const [round, plan] of assignments.entries()) {
            plan.forEach((mine, m) => {
                procs[m]!.onAssignment(mine);
                const pos = members[m]!.pos;
                for (const p of [...pos.keys()]) if (!mine.includes(p)) pos.delete(p);
                for (const p of mine) if (!pos.has(p)) pos.set(p, Number(broker.committed.get(p) ?? 0n));
            });
            const steps = round === assignments.length - 1 ? Infinity : 30;
            for (const [m, member] of members.entries()) {
                for (const [p, start] of member.pos) {
                    const end = Math.min(log[p]!.length, start + steps);
                    await procs[m]!.handle(records(p, log[p]!.slice(start, end), start));
                    await procs[m]!.drain();
                    member.pos.set(p, end);
                }
            }
        }
        // Results published per sensor: every value below the final commit is covered at least once.
        const published = broker.log.flatMap((e) =>
            e.kind === "send" ? e.records.map((r) => JSON.parse(r.value) as { count: number }) : [],
        );
        const covered = published.reduce((s, r) => s + r.count, 0);
        const belowCommit = [...Array(parts).keys()].reduce((s, p) => s + Number(broker.committed.get(p) ?? 0n), 0);
        assert.ok(covered >= belowCommit, `${covered} values in results, ${belowCommit} messages below the commits`);
        for (let p = 0; p < parts; p++) {
            const c = Number(broker.committed.get(p));
            assert.ok(c > log[p]!.length - 3 * n, `partition ${p} committed ${c} of ${log[p]!.length}`);
        }
    });
});
