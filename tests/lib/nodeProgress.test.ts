import * as assert from "node:assert/strict";
import { NodeProgress, progressLine } from "../../lib/nodeProgress";

describe("per-node progress of a roll", () => {
    it("reads the lifecycle commands' lines out of Pulumi's prefixed output and ends with a table, leaving nodes first", () => {
        const p = new NodeProgress();
        const out = [
            `  lab-infra |     command:local:Command lab-k3s-agent-0-lifecycle ` +
                `deleting (3s) ${progressLine("lab-agent-0-aaaaaa", "cordoned", 400)}`,
            `  lab-infra | ${progressLine("lab-agent-0-aaaaaa", "drained", 41_600)}`,
            `  lab-infra | ${progressLine("lab-agent-0-aaaaaa", "deleted", 42_000)}`,
            `  lab-infra | ${progressLine("lab-agent-0-bbbbbb", "registered", 95_000)}`,
            `  lab-infra | ${progressLine("lab-agent-0-bbbbbb", "Ready", 118_000)}`,
            `  lab-infra | ${progressLine("lab-agent-1-bbbbbb", "registered", 80_000)}`,
            "  lab-infra | node-progress looks-like-one but is not",
        ];
        out.forEach((l) => p.feed(l));
        assert.equal(p.size, 3);
        assert.equal(
            p.table(),
            [
                "NODE                ROLE IN ROLL  DRAINED  DELETED  BOOTED  READY  ELAPSED",
                "lab-agent-0-aaaaaa  removed       42 s     42 s     -       -      42 s",
                "lab-agent-0-bbbbbb  added         -        -        95 s    118 s  118 s",
                "lab-agent-1-bbbbbb  added         -        -        80 s    -      80 s (unfinished)",
            ].join("\n"),
        );
    });
});
