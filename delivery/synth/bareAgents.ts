/**
 * STAND-IN program for the synth benchmark (delivery/bin/benchSynth.ts), never deployed: per
 * agent it registers what an agent pool does — a port, a node component, a VM with a secret
 * user-data of a node's size, a lifecycle command, with the same options and dependencies — and
 * nothing else: no config, no rendering, no planning. Timed like the real program, it shows what
 * the Pulumi runtime and the synth's recording monitor alone cost per agent, the floor under any
 * change to the program.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import * as command from "@pulumi/command";

/** About the size of a rendered agent user-data. */
const USER_DATA = `#cloud-config\n${"write_files: placeholder line of a node's user-data\n".repeat(70)}`;

class BareNode extends pulumi.ComponentResource {
    constructor(name: string, opts: pulumi.ComponentResourceOptions) {
        super("bench:index:BareNode", name, {}, opts);
    }
}

/** The stand-in program with `agents` agents in batches of one, as pool default rolls. */
export function bareAgentsProgram(agents: number): () => Promise<Record<string, unknown>> {
    return async () => {
        const network = new openstack.networking.Network("bench-net", { name: "bench-net" });
        const secgroup = new openstack.networking.SecGroup("bench-agents", { name: "bench-agents" });
        let previous: pulumi.Resource[] = [];
        for (let i = 0; i < agents; i++) {
            const name = `bench-agent-${i}`;
            const port = new openstack.networking.Port(`${name}-port`, {
                name,
                networkId: network.id,
                fixedIps: [{ subnetId: "bench-subnet" }],
                securityGroupIds: [secgroup.id],
            });
            const node = new BareNode(name, {});
            const instance = new openstack.compute.Instance(
                name,
                {
                    name,
                    imageName: "bench-image",
                    flavorName: "bench-flavor",
                    keyPair: "bench-key",
                    networks: [{ port: port.id }],
                    userData: pulumi.secret(port.allFixedIps.apply((ips) => `${USER_DATA}# ${ips[0]}\n`)),
                    metadata: { role: "agent", slot: `agent-${i}` },
                },
                {
                    parent: node,
                    replaceOnChanges: ["name", "imageName", "flavorName", "userData"],
                    ignoreChanges: ["keyPair"],
                    deleteBeforeReplace: true,
                    dependsOn: [...previous, network],
                },
            );
            const lifecycle = new command.local.Command(
                `${name}-lifecycle`,
                {
                    create: "wait",
                    delete: "drain",
                    environment: { KUBECONFIG_DATA: pulumi.secret("bench"), NODE_NAME: name },
                    triggers: [instance.id],
                },
                { parent: node, dependsOn: [instance], deleteBeforeReplace: true },
            );
            previous = [lifecycle];
        }
        return {};
    };
}
