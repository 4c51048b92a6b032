import { strict as assert } from "assert";
import { buildReport } from "../../../delivery/report/model";
import { renderReportMarkdown } from "../../../delivery/report/markdown";
import { renderReportSvg } from "../../../delivery/report/svg";
import { renderCapacityDelta, renderMermaid } from "../../../delivery/report/delta";
import { environment } from "./fixtures";

const PRICES = { currency: "CHF", flavorPerMonth: { "f.small": 10, "f.big": 40 }, volumeGbPerMonth: 0.5 };

describe("environment report: model", () => {
    const report = buildReport(environment(), PRICES);

    it("lists every node with its pool, zone and flavor", () => {
        assert.deepEqual(
            report.nodes.map((n) => [n.name, n.pool, n.zone ?? "-", n.flavor]),
            [
                ["qa-server-0", "servers", "az-0", "f.small"],
                ["qa-server-1", "servers", "az-1", "f.small"],
                ["qa-server-2", "servers", "az-2", "f.small"],
                ["qa-agent-0", "workers", "-", "f.big"],
                ["qa-agent-1", "workers", "-", "f.big"],
            ],
        );
    });

    it("gives each pool the room pods have per node: capacity - k3s reserve - DaemonSets", () => {
        const workers = report.pools.find((p) => p.pool === "workers")!;
        // 4 vCPU / 8192 MiB agent, reserve 200m / 512Mi, DaemonSets 50m / 64Mi.
        assert.deepEqual(workers.podRoomPerNode, { cpuMilli: 3750, memoryMiB: 7616 });
        assert.equal(report.pools.find((p) => p.pool === "servers")!.tainted, true);
    });

    it("reads the entry points, the VIP from the rendered keepalived config, and the ingress hosts", () => {
        assert.equal(report.apiEndpoint, "https://203.0.113.9:6443");
        assert.equal(report.vip, "192.0.2.50");
        assert.deepEqual(report.ingressHosts, ["grafana.qa.test", "todo.qa.test"]);
        assert.deepEqual(report.urls, { grafanaUrl: "https://grafana.qa.test/", todoUrl: "https://todo.qa.test/" });
    });

    it("finds volumes by shape: Cinder volumes, PVCs, Kafka node pools, claim templates in chart values (x replicas)", () => {
        const byOwner = Object.fromEntries(report.volumes.map((v) => [v.owner, [v.sizeGiB, v.copies, v.backing]]));
        assert.deepEqual(byOwner, {
            "qa-nfs": [30, 1, "cinder"],
            "kafka brokers volume 0": [8, 3, "cinder"],
            "qa-monitoring (prometheus)": [4, 2, "cinder"],
            "todo/db": [2, 1, "cinder"],
            "airflow/logs": [6, 1, "nfs export"],
        });
    });

    it("prices VMs per pool and only the Cinder-backed GiB (NFS claims are carved from the NFS volume)", () => {
        assert.deepEqual(report.cost, {
            currency: "CHF",
            lines: [
                { item: "servers (f.small)", quantity: "3 VM", monthly: 30 },
                { item: "workers (f.big)", quantity: "2 VM", monthly: 80 },
                // 30 + 3x8 + 2x4 + 2 = 64 GiB
                { item: "block storage (Cinder)", quantity: "64 GiB", monthly: 32 },
            ],
            total: 142,
        });
        assert.equal(buildReport(environment()).cost, undefined);
    });

    it("computes headroom from the environment's requests and allocatable", () => {
        assert.deepEqual(report.headroomPercent, { cpu: 59.2, memory: 59.2 });
    });
});

describe("environment report: Markdown and SVG", () => {
    it("writes the tables the report promises", () => {
        const md = renderReportMarkdown(buildReport(environment(), PRICES), "qa.svg");
        for (const heading of ["## Entry points", "## Nodes", "## Capacity", "## Volumes", "## Monthly cost estimate"])
            assert.ok(md.includes(heading), heading);
        assert.match(md, /\| workers \| agent \| 2 \| f\.big \| 4 vCPU \/ 8192 MiB \| 3750m \/ 7616Mi \| 7500m \/ 15232Mi \|/);
        assert.match(md, /\*\*142\.00 CHF\*\*/);
        assert.match(md, /!\[topology of qa\]\(qa\.svg\)/);
    });

    it("draws the same picture for the same input, and escapes text", () => {
        const a = renderReportSvg(buildReport(environment()));
        const b = renderReportSvg(buildReport(environment()));
        assert.equal(a, b);
        assert.match(a, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        const opened = (a.match(/<(svg|text)\b/g) ?? []).length;
        const closed = (a.match(/<\/(svg|text)>/g) ?? []).length;
        assert.equal(opened, closed);
        assert.ok(!/<text[^>]*>[^<]*[<>&](?!amp;|lt;|gt;|quot;)[^<]*<\/text>/.test(a));
    });

    it("keeps 200 agents readable: ten drawn, the rest summed up", () => {
        const svg = renderReportSvg(buildReport(environment({ agents: 200 })));
        assert.equal((svg.match(/>qa-agent-\d+</g) ?? []).length, 10);
        assert.match(svg, /\+ 190 more/);
    });
});

describe("environment report: the PR comment's capacity delta", () => {
    it("shows before -> after with the changed figures in bold", () => {
        const before = buildReport(environment(), PRICES);
        const after = buildReport(environment({ agents: 4 }), PRICES);
        const text = renderCapacityDelta("qa", before, after);
        assert.match(text, /\| nodes \| servers 3× f\.small, workers 2× f\.big \| \*\*servers 3× f\.small, workers 4× f\.big\*\* \|/);
        assert.match(text, /\| monthly cost \| 142\.00 CHF \| \*\*222\.00 CHF\*\* \|/);
        assert.match(text, /```mermaid\nflowchart TB/);
    });

    it("says unchanged in one line when nothing moved", () => {
        const r = buildReport(environment());
        assert.equal(renderCapacityDelta("qa", r, r).split("\n").length, 1);
        assert.match(renderCapacityDelta("qa", r, r), /unchanged/);
    });

    it("draws pools and the VIP in the Mermaid topology", () => {
        const m = renderMermaid(buildReport(environment()));
        assert.match(m, /pool_servers\["servers: 3 × f\.small<br\/>control-plane taint<br\/>VIP 192\.0\.2\.50"\]/);
        assert.match(m, /ingress --> pool_workers/);
    });
});
