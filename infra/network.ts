/**
 * The network the nodes live on: either created (network, subnet, router to the external
 * network) or an existing one looked up by name, as the course used "DHBW".
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import type { NetworkConfig } from "./config";
import { componentType, withFormerType } from "../lib/componentType";

export interface ClusterNetworkArgs {
    readonly network: NetworkConfig;
}

export class ClusterNetwork extends pulumi.ComponentResource {
    readonly networkId: pulumi.Output<string>;
    readonly subnetId: pulumi.Output<string>;
    /** CIDR of the node subnet (NFS clients, intra-cluster rules). */
    readonly subnetCidr: pulumi.Output<string>;
    /**
     * Done when the subnet is routed to the external network: floating IPs can only be
     * associated, and nodes can only download packages, after that.
     */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ClusterNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "ClusterNetwork"), name, {}, withFormerType(componentType("infra", "ClusterNetwork"), opts));
        const net = args.network;
        if (net.mode === "create") {
            const external = openstack.networking.getNetworkOutput({ name: net.externalNetwork, external: true }, { parent: this });
            const network = new openstack.networking.Network(`${name}-net`, { name: `${name}-net`, adminStateUp: true }, { parent: this });
            const subnet = new openstack.networking.Subnet(
                `${name}-subnet`,
                { name: `${name}-subnet`, networkId: network.id, cidr: net.cidr, ipVersion: 4, dnsNameservers: net.dnsNameservers },
                { parent: this },
            );
            const router = new openstack.networking.Router(
                `${name}-router`,
                { name: `${name}-router`, externalNetworkId: external.id, adminStateUp: true },
                { parent: this },
            );
            const routerInterface = new openstack.networking.RouterInterface(
                `${name}-router-if`,
                { routerId: router.id, subnetId: subnet.id },
                { parent: this },
            );
            this.ready = [routerInterface];
            this.networkId = network.id;
            this.subnetId = subnet.id;
            this.subnetCidr = pulumi.output(net.cidr);
        } else {
            const network = openstack.networking.getNetworkOutput({ name: net.name }, { parent: this });
            const subnet = openstack.networking.getSubnetOutput({ networkId: network.id, ipVersion: 4 }, { parent: this });
            this.networkId = network.id;
            this.subnetId = subnet.id;
            this.subnetCidr = subnet.cidr;
            this.ready = [];
        }
        this.registerOutputs({ networkId: this.networkId, subnetId: this.subnetId, subnetCidr: this.subnetCidr });
    }
}
