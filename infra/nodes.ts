/**
 * Pure node planning: which nodes exist, their immutable spec, and the names that carry a hash
 * of it, so a node whose image, flavor, user-data or k3s version changes is replaced by a node
 * with a new name that joins the cluster as a new k3s node.
 */
import type { InfraConfig } from "./config";
import { NodeSecrets, NodeSpec, renderUserData } from "./cloudinit";
import { specHash } from "../lib/naming";
import type { NodeInfo, NodePoolCapacity } from "../lib/contracts";

export interface NodeSlot {
    /** Stable slot key: "server-0", "agent-1"... (Pulumi resource names use it). */
    readonly key: string;
    readonly role: "server" | "agent";
    readonly index: number;
    readonly image: string;
    readonly flavor: string;
    readonly labels: Record<string, string>;
}

export function planNodes(cfg: InfraConfig): NodeSlot[] {
    const pool = (role: "server" | "agent", count: number, defaults: InfraConfig["servers"]): NodeSlot[] =>
        Array.from({ length: count }, (_, index) => {
            const key = `${role}-${index}`;
            const override = cfg.nodeOverrides[key] ?? {};
            return {
                key,
                role,
                index,
                image: override.image ?? defaults.image,
                flavor: override.flavor ?? defaults.flavor,
                labels: { "platform.example.org/role": role, "platform.example.org/environment": cfg.environment, ...defaults.labels },
            };
        });
    return [...pool("server", cfg.servers.count, cfg.servers), ...pool("agent", cfg.agents.count, cfg.agents)];
}

/** Placeholder secrets: the spec hash must not depend on (or reveal) secret values. */
const HASH_SECRETS: NodeSecrets = { token: "TOKEN", agentToken: "AGENT_TOKEN" };

/**
 * User-data rendered with placeholders for everything that is not part of a node's immutable
 * spec (its own name, addresses, secrets), hashed together with image and flavor.
 */
export function nodeSpecHash(slot: NodeSlot, template: (nodeName: string) => NodeSpec): string {
    const userData = renderUserData(template("NODE_NAME"), HASH_SECRETS);
    return specHash({ image: slot.image, flavor: slot.flavor, userData });
}

export function nodeName(environment: string, slot: NodeSlot, hash: string): string {
    return `${environment}-${slot.key}-${hash}`;
}

/** Node pool capacities by role and flavor, for the resource-fit checks of the layers above. */
export function poolCapacities(slots: readonly NodeSlot[], flavors: InfraConfig["flavors"]): NodePoolCapacity[] {
    const groups = new Map<string, NodePoolCapacity>();
    for (const slot of slots) {
        const id = `${slot.role}/${slot.flavor}`;
        const size = flavors[slot.flavor];
        const prev = groups.get(id);
        groups.set(id, { role: slot.role, flavor: slot.flavor, count: (prev?.count ?? 0) + 1, vcpus: size.vcpus, memoryMiB: size.ramMiB });
    }
    return [...groups.values()];
}

export type { NodeInfo };
