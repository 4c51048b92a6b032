/**
 * The cluster's entry point: the servers' stable ports, the VRRP VIP of an HA set, and the
 * floating IP in front of them. Ports are separate resources so a replaced server keeps its
 * address and the join URL never moves.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import type { InfraConfig } from "./config";
import type { ClusterNetwork } from "./network";
import type { ClusterSecurityGroups } from "./securityGroups";
import type { NodeSlot } from "./nodes";

export interface EntryPoint {
    /** Each server's port by slot key (agent pools add theirs). */
    readonly ports: Map<string, openstack.networking.Port>;
    readonly server0Port: openstack.networking.Port;
    /** The VIP's address in an HA set, else undefined. */
    readonly vip?: pulumi.Output<string>;
    /** The API's private address: the VIP, or server-0's. */
    readonly internalApiAddress: pulumi.Output<string>;
    /** The address the kubeconfig and the ingress use: the floating IP, or the private address. */
    readonly externalAddress: pulumi.Output<string>;
}

/** A port's first fixed address. */
export function fixedIp(port: openstack.networking.Port): pulumi.Output<string> {
    return port.allFixedIps.apply((ips) => ips[0]);
}

export function createEntryPoint(
    name: string,
    cfg: InfraConfig,
    network: ClusterNetwork,
    groups: ClusterSecurityGroups,
    serverSlots: readonly NodeSlot[],
    parent: pulumi.Resource,
): EntryPoint {
    const opts = { parent };
    // In an HA set a VRRP VIP (kept by keepalived on a server whose API is ready) is the
    // join URL and API address, so no single server is special after bootstrap.
    const vipPort =
        cfg.servers.count > 1
            ? new openstack.networking.Port(
                  `${name}-api-vip`,
                  {
                      name: `${name}-api-vip`,
                      networkId: network.networkId,
                      fixedIps: [{ subnetId: network.subnetId }],
                      securityGroupIds: [groups.servers.id],
                  },
                  opts,
              )
            : undefined;
    const ports = new Map<string, openstack.networking.Port>();
    for (const slot of serverSlots) {
        const vipPair = vipPort ? [{ ipAddress: fixedIp(vipPort) }] : undefined;
        ports.set(
            slot.key,
            new openstack.networking.Port(
                `${name}-${slot.key}-port`,
                {
                    name: `${name}-${slot.key}`,
                    networkId: network.networkId,
                    fixedIps: [{ subnetId: network.subnetId }],
                    securityGroupIds: [groups.servers.id],
                    allowedAddressPairs: vipPair,
                },
                opts,
            ),
        );
    }
    const server0Port = ports.get("server-0")!;
    const entryPort = vipPort ?? server0Port;
    const internalApiAddress = fixedIp(entryPort);
    const floatingIp = cfg.network.externalNetwork
        ? new openstack.networking.FloatingIp(
              `${name}-entry-fip`,
              { pool: cfg.network.externalNetwork, description: `${name} API and ingress` },
              opts,
          )
        : undefined;
    if (floatingIp) {
        new openstack.networking.FloatingIpAssociate(
            `${name}-entry-fip-assoc`,
            { floatingIp: floatingIp.address, portId: entryPort.id },
            { parent, dependsOn: network.ready },
        );
    }
    return {
        ports,
        server0Port,
        vip: vipPort ? fixedIp(vipPort) : undefined,
        internalApiAddress,
        externalAddress: floatingIp ? floatingIp.address : internalApiAddress,
    };
}
