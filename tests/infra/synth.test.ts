/** The infra layer's synth output: nodes, network, security groups, server groups, tokens, kubeconfig, secrets, config refusals. */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { SynthResult } from "../../delivery/synth/synth";
import { caInstalledPath } from "../../infra/cloudinit";
import { ConfigValidationError } from "../../lib/config/reader";
import { byName, ofType, synth } from "../support/synth";
import { INSTANCE, instances, k3sConfigOf, RULE, secretText } from "./infraSynth";

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
