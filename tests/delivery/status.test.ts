/**
 * `npm run status`: the infra synth of the test's own stack file against the live node list,
 * read over real TLS from the Kubernetes API STAND-IN (tests/support/kube-api-stand-in.ts), the
 * kubeconfig from the STAND-IN `pulumi` (tests/support/fakePulumi.ts). Read-only: only GETs.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { renderKubeconfig } from "../../infra/kubeconfig";
import { compareNodes, LiveNode, PlannedNode, plannedNodes, runStatus, slotOfName } from "../../delivery/status";
import { ROOT, synthStack } from "../../delivery/synth/stacks";
import { requireDebianPackage } from "../support/debian";
import { K3sShapedPki, makeK3sShapedPki } from "../support/k3sShapedPki";
import { KubeApiStandIn } from "../support/kube-api-stand-in";
import { fixtureStackFile } from "../support/stacks";
import { fakePulumiEnv } from "../support/fakePulumi";
import { tempDir } from "../support/tempDir";

const planned = (slot: string, pool: string, name: string): PlannedNode => ({
    slot,
    name,
    pool,
    role: pool === "server" ? "server" : "agent",
    flavor: "f",
    image: "i",
    k3sVersion: "v1",
    instanceUrn: `urn:${slot}`,
    resource: `lab-k3s-${slot}`,
});
const live = (name: string, over: Partial<LiveNode> = {}): LiveNode => ({
    name,
    ready: true,
    unschedulable: false,
    kubeletVersion: "v1",
    ...over,
});

describe("delivery: npm run status (nodes, pools, versions, what the config would replace)", () => {
    it("a live node's slot is its name without the environment and the spec hash, pool names with dashes included", () => {
        assert.equal(slotOfName("lab", "lab-server-0-d00274"), "server-0");
        assert.equal(slotOfName("lab", "lab-kafka-brokers-3-0a1b2c"), "kafka-brokers-3");
        assert.equal(slotOfName("lab", "other-agent-0-0a1b2c"), undefined);
        assert.equal(slotOfName("lab", "lab-agent-0"), undefined, "no hash: not a node this program named");
    });

    it("compares: same name kept, new hash replaced, unconfigured slot removed, missing slot created, other names left alone", () => {
        const plan = [
            planned("server-0", "server", "lab-server-0-aaaaaa"),
            planned("agent-0", "default", "lab-agent-0-bbbbbb"),
            planned("agent-1", "default", "lab-agent-1-bbbbbb"),
        ];
        const rows = compareNodes("lab", plan, [
            live("lab-agent-0-cccccc"),
            live("lab-server-0-aaaaaa"),
            live("lab-agent-7-cccccc"),
            live("bastion"),
        ]);
        assert.deepEqual(
            rows.map((r) => [r.slot ?? "-", r.action, r.live?.name ?? "-"]),
            [
                ["server-0", "keep", "lab-server-0-aaaaaa"],
                ["agent-0", "replace", "lab-agent-0-cccccc"],
                ["agent-1", "create", "-"],
                ["-", "foreign", "bastion"],
                ["agent-7", "remove", "lab-agent-7-cccccc"],
            ],
        );
    });

    describe("against the API", function () {
        let pki: K3sShapedPki;
        let api: KubeApiStandIn;
        let dir: string;

        before(function () {
            requireDebianPackage(this, "openssl");
            pki = makeK3sShapedPki();
        });
        beforeEach(async () => {
            api = new KubeApiStandIn(pki);
            const server = await api.start("127.0.0.2");
            dir = tempDir("status");
            fs.mkdirSync(path.join(dir, "stacks"));
            fs.copyFileSync(fixtureStackFile("dev-infra"), path.join(dir, "stacks", "Pulumi.lab-infra.yaml"));
            const stackFile = path.join(dir, "stacks", "Pulumi.lab-infra.yaml");
            fs.writeFileSync(
                stackFile,
                fs.readFileSync(stackFile, "utf8").replace(/data-platform:environment: .*/, "data-platform:environment: lab"),
            );
            const kubeconfig = renderKubeconfig({
                clusterName: "lab-k3s",
                server,
                caCertPem: pki.serverCaPem,
                clientCertPem: pki.clientCertPem,
                clientKeyPem: pki.clientKeyPem,
            });
            fs.writeFileSync(path.join(dir, "scenario.json"), JSON.stringify({ stacks: { "lab-infra": { outputs: { kubeconfig } } } }));
        });
        afterEach(() => api?.stop());

        const status = async (stackEdit?: (text: string) => string) => {
            const stackFile = path.join(dir, "stacks", "Pulumi.lab-infra.yaml");
            if (stackEdit) fs.writeFileSync(stackFile, stackEdit(fs.readFileSync(stackFile, "utf8")));
            const env = await fakePulumiEnv(path.join(dir, "scenario.json"), path.join(dir, "calls.log"));
            const out: string[] = [];
            const code = await runStatus({
                env: "lab",
                infraStack: "lab-infra",
                stacksDir: path.join(dir, "stacks"),
                cli: { workDir: ROOT, env },
                log: (l) => out.push(l),
                error: (l) => out.push(`ERR ${l}`),
            });
            return { code, text: out.join("\n") };
        };

        it("a cluster that matches its config: nodes, pools and versions, nothing replaced, and only GETs", async function () {
            this.timeout(60_000);
            const plan = plannedNodes(await synthStack("lab-infra", { stacksDir: path.join(dir, "stacks") }));
            assert.ok(plan.length >= 2, "the stack has a server and agents");
            api.nodes = plan.map((p, i) => ({ name: p.name, ready: i !== 1, kubeletVersion: p.k3sVersion, zone: "zone-a" }));
            const { code, text } = await status();
            assert.equal(code, 0, text);
            for (const p of plan)
                assert.match(
                    text,
                    new RegExp(`^${p.slot} +${p.pool} +${p.name} +(yes|NO) +${p.k3sVersion.replace(/\+/g, "\\+")} +zone-a +kept$`, "m"),
                    text,
                );
            assert.match(text, new RegExp(`^${plan[1].slot} +\\S+ +\\S+ +NO `, "m"), "a NotReady node shows");
            assert.match(text, /^POOL +CONFIGURED +LIVE +READY +FLAVOR$/m);
            assert.match(text, new RegExp(`^default +${plan.filter((p) => p.pool === "default").length} +`, "m"));
            assert.match(text, /^The current configuration replaces no node\.$/m);
            assert.deepEqual([...new Set(api.requests.map((r) => r.method))], ["GET"], "read-only");
            assert.ok(!text.includes(pki.clientKeyPem.split("\n")[1]), "the kubeconfig's key is never printed");
            const calls = fs
                .readFileSync(path.join(dir, "calls.log"), "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as string[]);
            assert.deepEqual(
                calls,
                [["stack", "output", "--stack", "lab-infra", "--json", "--show-secrets"]],
                "Pulumi is only asked for the outputs",
            );
        });

        it(
            "a changed image: every node REPLACED by its new name, " + "in the roll's batches (servers first); an extra agent created",
            async function () {
                this.timeout(60_000);
                const before = plannedNodes(await synthStack("lab-infra", { stacksDir: path.join(dir, "stacks") }));
                api.nodes = before.map((p) => ({ name: p.name, ready: true, kubeletVersion: p.k3sVersion }));
                const { code, text } = await status((t) =>
                    t.replace(/data-platform:image: .*/, "data-platform:image: Status Test Image 2").replace(/count: 2/, "count: 3"),
                );
                assert.equal(code, 0, text);
                const after = plannedNodes(await synthStack("lab-infra", { stacksDir: path.join(dir, "stacks") }));
                for (const p of before) {
                    const next = after.find((a) => a.slot === p.slot)!;
                    assert.notEqual(next.name, p.name);
                    assert.match(text, new RegExp(`^${p.slot} .* ${p.name} .*REPLACED by ${next.name}$`, "m"), text);
                }
                assert.match(text, /^agent-2 +default +\(none\) +- +- +- +created$/m, text);
                assert.match(text, /^The current configuration replaces 3, creates 1 and removes 0 node\(s\)\.$/m, text);
                assert.match(text, /^ {2}batch 1: server-0\n {2}batch 2: agent-0\n {2}batch 3: agent-1$/m, text);
            },
        );

        it(
            "no kubeconfig output yet, or an API that does not answer: " + "the configured nodes, and why the live ones are unknown",
            async function () {
                this.timeout(60_000);
                fs.writeFileSync(path.join(dir, "scenario.json"), JSON.stringify({ stacks: { "lab-infra": { outputs: {} } } }));
                const fresh = await status();
                assert.equal(fresh.code, 0);
                assert.match(fresh.text, /^Live nodes: unknown \(lab-infra has no kubeconfig output: not deployed yet\)$/m);
                assert.match(fresh.text, /^server-0 +server +lab-server-0-[0-9a-f]+ /m);
                fs.writeFileSync(
                    path.join(dir, "scenario.json"),
                    JSON.stringify({
                        stacks: {
                            "lab-infra": {
                                outputs: {
                                    kubeconfig: renderKubeconfig({
                                        clusterName: "lab-k3s",
                                        server: "https://127.0.0.2:1",
                                        caCertPem: pki.serverCaPem,
                                        clientCertPem: pki.clientCertPem,
                                        clientKeyPem: pki.clientKeyPem,
                                    }),
                                },
                            },
                        },
                    }),
                );
                const away = await status();
                assert.equal(away.code, 0);
                assert.match(
                    away.text,
                    /^Live nodes: unknown \(the API at https:\/\/127\.0\.0\.2:1 did not answer \(.+\); it answers only adminCidrs\)$/m,
                    away.text,
                );
                const bad = await status((t) => t.replace(/data-platform:serverCount: .*/, 'data-platform:serverCount: "2"'));
                assert.equal(bad.code, 1);
                assert.match(bad.text, /^ERR lab-infra does not synthesize/);
            },
        );
    });
});
