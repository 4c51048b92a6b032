/** The infra layer's config: network, addresses, CIDRs and what is exposed to the world. */
import * as assert from "node:assert/strict";
import { parse, refusals } from "../support/infraConfig";

describe("infra config validation", () => {
    refusals([
        [
            "the same admin CIDR twice",
            { adminCidrs: JSON.stringify(["203.0.113.0/24", "203.0.113.0/24"]) },
            /^data-platform:adminCidrs\[1\] = "203.0.113.0\/24": repeats adminCidrs\[0\]/,
        ],
        [
            "the same NodePort twice",
            { adminNodePorts: JSON.stringify([30090, 30090]) },
            /^data-platform:adminNodePorts\[1\] = 30090: repeats adminNodePorts\[0\]/,
        ],
        [
            "the API opened to the world in two halves",
            { adminCidrs: JSON.stringify(["0.0.0.0/1", "128.0.0.0/1"]) },
            /^data-platform:adminCidrs = .*opens SSH and the Kubernetes API to \d+ public addresses \(a \/8 or more\)/,
        ],
        [
            "a public ingress without the opt-in",
            { worldOpenIngress: undefined },
            /^data-platform:ingressCidrs = \["0.0.0.0\/0"\]: opens HTTP\/HTTPS .*the default is 0.0.0.0\/0.*worldOpenIngress/,
        ],
        [
            "ingress open to a /7 of public space",
            { ingressCidrs: JSON.stringify(["4.0.0.0/7"]), worldOpenIngress: "false" },
            /^data-platform:ingressCidrs = .*opens HTTP\/HTTPS to 33554432 public addresses/,
        ],
        [
            "a CIDR with host bits",
            { subnetCidr: "10.0.0.1/24" },
            /^data-platform:subnetCidr = "10.0.0.1\/24": .*host bits are zero \(did you mean 10.0.0.0\/24\?\)/,
        ],
        [
            "a malformed CIDR",
            { subnetCidr: "10.0.0/33" },
            /^data-platform:subnetCidr = "10.0.0\/33": must be an IPv4 CIDR like 10.0.0.0\/24/,
        ],
        [
            "a bad admin CIDR",
            { adminCidrs: JSON.stringify(["300.1.1.0/24"]) },
            /^data-platform:adminCidrs\[0\] = "300.1.1.0\/24": must be an IPv4 CIDR/,
        ],
        [
            "an API open to the world",
            { adminCidrs: JSON.stringify(["0.0.0.0/0"]) },
            /^data-platform:adminCidrs = \["0.0.0.0\/0"\]: opens SSH and the Kubernetes API to \d+ public addresses/,
        ],
        ["no admin CIDR at all", { adminCidrs: JSON.stringify([]) }, /^data-platform:adminCidrs = \[\]: must list at least 1 item/],
        [
            "a missing external network when a router must be created",
            { externalNetwork: undefined },
            /^data-platform:externalNetwork = \(unset\): is required when networkMode is "create"/,
        ],
        [
            "an unknown network mode",
            { networkMode: "bridge" },
            /^data-platform:networkMode = "bridge": must be one of "create", "existing"/,
        ],
        [
            "an existing network without a name",
            { networkMode: "existing", networkName: undefined },
            /^data-platform:networkName = \(unset\): is required/,
        ],
        [
            "a wrong flannel backend",
            { flannelBackend: "host-gw" },
            /^data-platform:flannelBackend = "host-gw": must be one of "vxlan", "wireguard-native"/,
        ],
        [
            "a subnet inside k3s' pod network",
            { subnetCidr: "10.42.0.0/24" },
            /^data-platform:subnetCidr = "10.42.0.0\/24": overlaps k3s' pod network 10.42.0.0\/16/,
        ],
        [
            "a subnet spanning k3s' service network",
            { subnetCidr: "10.0.0.0/8" },
            /^data-platform:subnetCidr = "10.0.0.0\/8": overlaps k3s' service network 10.43.0.0\/16/,
        ],
        [
            "a subnet in the link-local range (the metadata service's)",
            { subnetCidr: "169.254.10.0/24" },
            /^data-platform:subnetCidr = "169.254.10.0\/24": lies in 169.254.0.0\/16 \(link-local/,
        ],
        [
            "a loopback subnet",
            { subnetCidr: "127.0.0.0/24" },
            /^data-platform:subnetCidr = "127.0.0.0\/24": lies in 127.0.0.0\/8 \(loopback/,
        ],
        [
            "no DNS resolvers for the created subnet",
            { dnsNameservers: "[]" },
            /^data-platform:dnsNameservers = \[\]: must list at least 1 item/,
        ],
        [
            "an empty ingress list",
            { ingressCidrs: "[]" },
            /^data-platform:ingressCidrs = \[\]: is empty, which would leave the ingress reachable by nobody/,
        ],
        [
            "a bad DNS server",
            { dnsNameservers: JSON.stringify(["dns.google"]) },
            /^data-platform:dnsNameservers\[0\] = "dns.google": must be an IPv4 address/,
        ],
        [
            "a NodePort outside the NodePort range",
            { adminNodePorts: JSON.stringify([8080]) },
            /^data-platform:adminNodePorts = \[8080\]: must be a list of NodePorts between 30000 and 32767/,
        ],
        [
            "more nodes than the subnet has addresses",
            { agentCount: "252" },
            new RegExp(
                /^data-platform:agentPools = .*needs 253 addresses, but subnetCidr 10.0.0.0\/24/.source +
                    / leaves 251 for nodes \(254 host addresses minus the gateway, 2 DHCP ports\)/.source,
            ),
        ],
    ]);

    it("accepts private ranges however wide, and a public /9 without opt-in", () => {
        assert.doesNotThrow(() =>
            parse({
                adminCidrs: JSON.stringify(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]),
                ingressCidrs: JSON.stringify(["4.0.0.0/9"]),
                worldOpenIngress: undefined,
            }),
        );
    });

    it("accepts an existing network (the course's DHBW) without an external network", () => {
        const cfg = parse({ networkMode: "existing", networkName: "DHBW", externalNetwork: undefined });
        assert.deepEqual(cfg.network, { mode: "existing", name: "DHBW", externalNetwork: undefined });
    });
});
