/**
 * Agents' user-data rendered once per distinct spec and filled in per node. Agents of a pool
 * differ only in their node name and address, and rendering (two YAML documents, the k3s flag
 * check) was the largest piece of program work per agent in a synth of 200. Filling in is exact
 * only for values YAML writes as they are, unquoted, like the sentinels they replace; any other
 * value is rendered in full (tests/infra/agentUserData.test.ts compares both ways).
 */
import { stringify } from "yaml";
import { AgentSpec, NodeSecrets, renderUserData } from "./cloudinit";
import { canonicalJson } from "../lib/naming";

const NAME = "agent-node-name-sentinel";
const ADDRESS = "agent-node-address-sentinel";

/** Written by YAML as is (no quotes, no escapes) wherever it stands as a value. */
function plain(value: string): boolean {
    return /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(value) && !value.includes("sentinel") && stringify(value) === `${value}\n`;
}

/** A renderer of agents' user-data with its own templates (one per distinct spec and secrets). */
export function agentUserDataRenderer(): (spec: AgentSpec, secrets: NodeSecrets) => string {
    const templates = new Map<string, string>();
    return (spec, secrets) => {
        if (!plain(spec.nodeName) || !plain(spec.nodeIp)) return renderUserData(spec, secrets);
        const generic: AgentSpec = { ...spec, nodeName: NAME, nodeIp: ADDRESS };
        const key = canonicalJson({ generic, secrets });
        let template = templates.get(key);
        if (template === undefined) {
            template = renderUserData(generic, secrets);
            templates.set(key, template);
        }
        return template.split(NAME).join(spec.nodeName).split(ADDRESS).join(spec.nodeIp);
    };
}
