import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { caInstalledPath } from "../../infra/cloudinit";
import { ConfigValidationError } from "../../lib/config/reader";
import { byName, ofType, synth } from "../support/synth";

const INSTANCE = "openstack:compute/instance:Instance";
const RULE = "openstack:networking/secGroupRule:SecGroupRule";

/** The plain text of a secret-wrapped synth value. */
function secretText(value: unknown): string {
    assert.ok(value && typeof value === "object" && "@secret" in value, `expected a secret, got ${JSON.stringify(value)}`);
    return (value as { "@secret": string })["@secret"];
}

function k3sConfigOf(instance: SynthResource): Record<string, any> {
    const cloudConfig = parse(secretText(instance.inputs.userData).replace(/^#cloud-config\n/, "")) as {
        write_files: { path: string; content: string }[];
    };
    const file = cloudConfig.write_files.find((f) => f.path === "/etc/rancher/k3s/config.yaml");
    assert.ok(file, "user-data writes /etc/rancher/k3s/config.yaml");
    return parse(file.content);
}

const instances = (result: SynthResult, role: "server" | "agent") =>
    ofType(result, INSTANCE)
        .filter((r) => (r.inputs.metadata as Record<string, string>).role === role)
        .sort((a, b) => a.name.localeCompare(b.name));

describe("infra synth", () => {
    let dev: SynthResult;
    let prod: SynthResult;
    before(async () => {
        dev = await synth("dev-infra");
        prod = await synth("prod-infra");
    });

    it("creates 1 server + 2 agents in dev and 3 servers + 4 agents in prod", () => {
        assert.equal(instances(dev, "server").length, 1);
        assert.equal(instances(dev, "agent").length, 2);
        assert.equal(instances(prod, "server").length, 3);
        assert.equal(instances(prod, "agent").length, 4);
        assert.deepEqual(
            instances(dev, "agent").map((i) => i.inputs.flavorName),
            ["mb1.large", "mb1.large"],
        );
    });

    it("attaches to the existing network in dev and creates network, subnet and router in prod", () => {
        assert.equal(ofType(dev, "openstack:networking/network:Network").length, 0);
        assert.equal(ofType(prod, "openstack:networking/network:Network").length, 1);
        assert.equal(ofType(prod, "openstack:networking/router:Router").length, 1);
        assert.equal(byName(prod, "prod-k3s-network-subnet").inputs.cidr, "10.20.0.0/24");
        assert.equal(dev.outputs.networkId, "synth-network-DHBW");
    });

    it("has one security-group rule per k3s need, none open to the world except ingress", () => {
        const rules = ofType(dev, RULE).map((r) => r.inputs);
        const from = (port: number, protocol = "tcp") =>
            rules.filter((r) => r.protocol === protocol && (r.portRangeMin as number) <= port && port <= (r.portRangeMax as number));
        const cidrs = (port: number) =>
            [
                ...new Set(
                    from(port)
                        .map((r) => r.remoteIpPrefix)
                        .filter(Boolean),
                ),
            ].sort();
        assert.deepEqual(cidrs(6443), ["203.0.113.0/24"], "API only from admin CIDRs");
        assert.deepEqual(cidrs(22), ["203.0.113.0/24"], "SSH only from admin CIDRs");
        assert.deepEqual(cidrs(80), ["0.0.0.0/0"]);
        assert.deepEqual(cidrs(443), ["0.0.0.0/0"]);
        for (const [port, protocol] of [
            [10250, "tcp"],
            [8472, "udp"],
            [2379, "tcp"],
            [2380, "tcp"],
        ] as const) {
            assert.ok(from(port, protocol).length > 0, `a rule for ${port}/${protocol}`);
            assert.ok(
                from(port, protocol).every((r) => r.remoteGroupId && !r.remoteIpPrefix),
                `${port}/${protocol} is intra-cluster only`,
            );
        }
        assert.ok(
            from(2379).every((r) => String(r.remoteGroupId).includes("servers")),
            "etcd only between servers",
        );
        assert.equal(from(51820, "udp").length, 0, "no WireGuard rules with VXLAN");
        assert.deepEqual(cidrs(30090), [], "dev: Grafana's NodePort is opt-in (HTTPS through the ingress instead)");
        assert.ok(
            rules.every((r) => r.protocol !== undefined && r.direction === "ingress"),
            "no protocol-less allow-all rule",
        );
        // prod chose WireGuard: its rules replace VXLAN.
        const prodRules = ofType(prod, RULE).map((r) => r.inputs);
        assert.ok(prodRules.some((r) => r.protocol === "udp" && r.portRangeMin === 51820 && r.portRangeMax === 51821));
        assert.ok(!prodRules.some((r) => r.portRangeMin === 8472));
        assert.ok(
            prodRules.some((r) => r.protocol === "vrrp"),
            "VRRP between HA servers for the API VIP",
        );
        assert.ok(!prodRules.some((r) => r.portRangeMin === 30090), "prod opens no NodePort");
    });

    it("uses soft anti-affinity server groups for servers and agents", () => {
        const groups = ofType(prod, "openstack:compute/serverGroup:ServerGroup");
        assert.deepEqual(
            groups.map((g) => g.inputs.policies),
            [["soft-anti-affinity"], ["soft-anti-affinity"]],
        );
        for (const instance of ofType(prod, INSTANCE)) {
            const hint = (instance.inputs.schedulerHints as { group: string }[])[0].group;
            const role = (instance.inputs.metadata as Record<string, string>).role;
            assert.match(String(hint), new RegExp(`^prod-k3s-${role}s-group(-[0-9a-f]{4})?-id$`));
        }
    });

    it("gives agents the agent token and the server URL the servers were given", () => {
        for (const result of [dev, prod]) {
            const servers = instances(result, "server").map(k3sConfigOf);
            const agents = instances(result, "agent").map(k3sConfigOf);
            const first = servers[0];
            // server-0's cluster-init/server is decided on its first boot (tests/infra/bootstrap.test.ts).
            assert.equal(first["cluster-init"], undefined);
            assert.ok(first["agent-token"], "servers know the agent token");
            assert.notEqual(first.token, first["agent-token"], "agent token differs from the server token");
            const joinUrl = result.stack === "prod-infra" ? servers[1].server : `https://${first["node-ip"]}:6443`;
            for (const server of servers.slice(1)) {
                assert.equal(server.server, joinUrl);
                assert.equal(server.token, first.token);
            }
            for (const agent of agents) {
                assert.equal(agent.token, first["agent-token"]);
                assert.equal(agent.server, joinUrl);
                assert.equal(agent["agent-token"], undefined, "agents never see the server token");
            }
        }
    });

    it("writes the k3s server config the issue asks for", () => {
        const server = k3sConfigOf(instances(prod, "server")[0]);
        assert.deepEqual(server.disable, ["traefik", "local-storage"], "prod keeps no node-local storage");
        assert.deepEqual(k3sConfigOf(instances(dev, "server")[0]).disable, ["traefik"], "dev may opt into local-path");
        assert.equal(server["secrets-encryption"], true);
        assert.equal(server["write-kubeconfig-mode"], "0600");
        assert.equal(server["etcd-snapshot-schedule-cron"], "0 */6 * * *");
        assert.equal(server["etcd-snapshot-retention"], 28);
        // The kubeconfig checks the API certificate by name, so a new floating IP replaces no server.
        assert.ok(!(server["tls-san"] as string[]).includes(String(prod.outputs.ingressAddress)), "tls-san does not carry the floating IP");
        assert.match(JSON.stringify(prod.outputs.kubeconfig), /tls-server-name: kubernetes/);
        assert.match(server["node-name"], /^prod-server-0-[0-9a-f]{6}$/);
        assert.ok((server["node-label"] as string[]).includes("platform.example.org/role=server"));
    });

    it("names nodes after a hash of their spec and marks image, flavor, user-data and name replace-on-change", () => {
        for (const instance of ofType(prod, INSTANCE)) {
            assert.match(String(instance.inputs.name), /^prod-(server|agent)-\d-[0-9a-f]{6}$/);
            assert.deepEqual(instance.options.replaceOnChanges, ["flavorName", "imageName", "name", "userData"]);
            assert.equal(instance.options.deleteBeforeReplace, true);
        }
    });

    it("creates nodes one at a time: each after the previous node's lifecycle gate", () => {
        const nodes = [...instances(prod, "server"), ...instances(prod, "agent")];
        assert.deepEqual(
            nodes[0].options.dependsOn.map((u) => u.split("::").pop()),
            ["prod-k3s-network-router-if"],
        );
        for (let i = 1; i < nodes.length; i++) {
            const previousSlot = (nodes[i - 1].inputs.metadata as Record<string, string>).slot;
            assert.deepEqual(
                nodes[i].options.dependsOn.map((u) => u.split("::").pop()).sort(),
                ["prod-k3s-network-router-if", `prod-k3s-${previousSlot}-lifecycle`].sort(),
                `${nodes[i].name} waits for ${previousSlot} (and the router)`,
            );
        }
    });

    it("drains and removes a node before its VM is deleted, and gates the stack on readiness", () => {
        const lifecycle = byName(prod, "prod-k3s-agent-1-lifecycle");
        assert.match(String(lifecycle.inputs.delete), /drain-node$/);
        assert.match(String(lifecycle.inputs.create), /wait-cluster$/);
        const env = lifecycle.inputs.environment as Record<string, unknown>;
        assert.equal(env.NODE_NAME, instances(prod, "agent")[1].inputs.name);
        assert.ok(secretText(env.KUBECONFIG_DATA).includes("client-key-data"), "the kubeconfig reaches the command as a secret");
        assert.equal(env.TASK_GRACE_SECONDS, "600", "Airflow task pods get drainTaskGraceMinutes (default 10) to finish");
        const ready = byName(prod, "prod-k3s-ready");
        assert.equal(ready.options.dependsOn.length, 7);
        assert.equal(String((ready.inputs.environment as Record<string, unknown>).NODE_NAMES).split(",").length, 7);
    });

    it("keeps floating IP, ports, volume and tokens out of node replacement", () => {
        const assoc = byName(dev, "dev-k3s-entry-fip-assoc");
        assert.match(
            String(assoc.inputs.portId),
            /^dev-k3s-server-0-port(-[0-9a-f]{4})?-id$/,
            "the floating IP follows the stable port, not the VM",
        );
        const volume = byName(dev, "dev-k3s-nfs-data");
        assert.equal(volume.options.protect, true);
        const vip = byName(prod, "prod-k3s-entry-fip-assoc");
        assert.match(String(vip.inputs.portId), /^prod-k3s-api-vip(-[0-9a-f]{4})?-id$/, "HA: the floating IP points at the VRRP VIP");
        assert.deepEqual(
            vip.options.dependsOn.map((u) => u.split("::").pop()),
            ["prod-k3s-network-router-if"],
            "associated only once the subnet is routed",
        );
        // Deletes run in reverse: server-0 is drained before its data volume is detached.
        const lifecycle = byName(dev, "dev-k3s-server-0-lifecycle");
        assert.ok(lifecycle.options.dependsOn.some((u) => u.endsWith("::dev-k3s-server-0-data-attach")));
    });

    it("outputs the kubeconfig as a secret, with the API's external address", () => {
        const kubeconfig = parse(secretText(dev.outputs.kubeconfig));
        assert.equal(kubeconfig.clusters[0].cluster.server, `https://${dev.outputs.ingressAddress}:6443`);
        assert.equal(dev.outputs.apiEndpoint, `https://${dev.outputs.ingressAddress}:6443`);
        secretText(dev.outputs.cloudCredentials);
        assert.equal(dev.outputs.k3sVersion, "v1.35.6+k3s1");
        assert.equal(dev.outputs.environment, "dev");
        assert.deepEqual(
            (dev.outputs.nodes as { role: string }[]).map((n) => n.role),
            ["server", "agent", "agent"],
        );
    });

    it("builds the kubeconfig from the generated PKI: its CA is the server CA placed on the first server", () => {
        const kubeconfig = parse(secretText(dev.outputs.kubeconfig));
        const caInKubeconfig = Buffer.from(kubeconfig.clusters[0].cluster["certificate-authority-data"], "base64").toString();
        const cloudConfig = parse(secretText(instances(dev, "server")[0].inputs.userData).replace(/^#cloud-config\n/, ""));
        const serverCa = cloudConfig.write_files.find(
            (f: { path: string }) => caInstalledPath(f.path) === "/var/lib/rancher/k3s/server/tls/server-ca.crt",
        );
        assert.equal(serverCa.content, caInKubeconfig);
        const admin = byName(dev, "dev-k3s-pki-admin-csr");
        assert.deepEqual(admin.inputs.subject, { commonName: "dev-k3s-deployer", organization: "data-platform:deployers" });
        assert.equal(ofType(dev, "command:remote:Command").length, 0, "nothing logs into a node");
    });

    it("holds no secret outside secret markers: tokens and keys appear only wrapped", () => {
        for (const result of [dev, prod]) {
            const text = JSON.stringify(result.resources.map((r) => r.inputs)) + JSON.stringify(result.outputs);
            const unwrapped = text.replace(/\{"@secret":("(?:[^"\\]|\\.)*"|\{[^}]*\})\}/g, "");
            assert.ok(
                !/synth-placeholder-(password|app-credential)/.test(unwrapped),
                "generated secrets appear only inside secret markers",
            );
            assert.ok(!unwrapped.includes("PRIVATE KEY"), "private keys appear only inside secret markers");
        }
    });

    it("changing one agent's image replaces that agent alone", async () => {
        const changed = await synth("dev-infra", {
            "data-platform:nodeOverrides": JSON.stringify({ "agent-1": { image: "Ubuntu 24.04 (2026-11)" } }),
        });
        const before = new Map(dev.resources.map((r) => [r.urn, JSON.stringify(r)]));
        const differing = changed.resources.filter((r) => before.get(r.urn) !== JSON.stringify(r)).map((r) => r.name);
        // The agent itself, its own lifecycle gate (drains/waits for that node name) and the
        // cluster readiness gate, which lists every node name.
        assert.deepEqual(differing.sort(), ["dev-k3s-agent-1", "dev-k3s-agent-1-lifecycle", "dev-k3s-ready"]);
        const agent = (result: SynthResult) => instances(result, "agent")[1];
        assert.equal(agent(changed).inputs.imageName, "Ubuntu 24.04 (2026-11)");
        assert.notEqual(agent(changed).inputs.name, agent(dev).inputs.name, "the replacement joins under a new node name");
        assert.equal(changed.resources.length, dev.resources.length);
    });

    /** Instances whose VM would be replaced (its name, which carries the spec hash, changes). */
    const replacedInstances = (before: SynthResult, after: SynthResult): string[] => {
        const names = new Map(ofType(before, INSTANCE).map((r) => [r.name, r.inputs.name]));
        return ofType(after, INSTANCE)
            .filter((r) => names.get(r.name) !== r.inputs.name)
            .map((r) => r.name)
            .sort();
    };

    it("changing a cluster-wide setting (flannelBackend) rolls every node, agents included", async () => {
        const changed = await synth("prod-infra", { "data-platform:flannelBackend": "vxlan" });
        const all = ofType(prod, INSTANCE)
            .map((r) => r.name)
            .sort();
        assert.ok(instances(prod, "server").length === 3 && instances(prod, "agent").length > 0);
        assert.deepEqual(replacedInstances(prod, changed), all, "agents run flannel with the servers' backend: they roll too");
        // Agents' own user-data does not change; the hash of cluster-wide settings does.
        const agentUserData = (r: SynthResult) =>
            instances(r, "agent").map((i) => secretText(i.inputs.userData).replace(/prod-agent-\d-[0-9a-f]+/g, "NAME"));
        assert.deepEqual(agentUserData(changed), agentUserData(prod));
    });

    it("changing an agent-only setting (a pool's labels) rolls the agents and no server", async () => {
        const pool = {
            flavor: instances(prod, "agent")[0].inputs.flavorName,
            count: instances(prod, "agent").length,
            labels: { "platform.example.org/tier": "batch" },
        };
        const changed = await synth("prod-infra", { "data-platform:agentPools": JSON.stringify({ default: pool }) });
        assert.deepEqual(
            replacedInstances(prod, changed),
            instances(prod, "agent")
                .map((r) => r.name)
                .sort(),
        );
    });

    it("refuses bad config before creating any resource", async () => {
        await assert.rejects(
            synth("dev-infra", {
                "data-platform:serverCount": "2",
                "data-platform:agentPools": JSON.stringify({ default: { flavor: "mb1.large", count: -1 } }),
            }),
            (err: unknown) => err instanceof ConfigValidationError && err.problems.length === 2,
        );
    });
});
