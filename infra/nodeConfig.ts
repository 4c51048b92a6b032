/**
 * The infra layer's node configuration: the flavor table, the server pool and per-node
 * overrides (agent pools are read by pools.ts). Read in the order parseInfraConfig always read
 * them, so problems are listed as before.
 */
import type { ConfigReader } from "../lib/config/reader";
import { labelProblem, type AgentPoolConfig } from "./pools";

export interface FlavorSize {
    readonly vcpus: number;
    readonly ramMiB: number;
}

export interface NodePoolConfig {
    readonly count: number;
    readonly flavor: string;
    readonly image: string;
    readonly labels: Record<string, string>;
}

/** Per-node deviations from its pool, e.g. a canary image on one agent: `{"agent-1": {"image": "..."}}`. */
export interface NodeOverride {
    readonly image?: string;
    readonly flavor?: string;
}

/** Sizes of the flavors the seeds' OpenStack offers; config `flavors` may add or override. */
export const DEFAULT_FLAVORS: Record<string, FlavorSize> = {
    "mb1.small": { vcpus: 1, ramMiB: 2048 },
    "mb1.medium": { vcpus: 2, ramMiB: 4096 },
    "mb1.large": { vcpus: 4, ramMiB: 8192 },
    "mb1.xlarge": { vcpus: 8, ramMiB: 16384 },
};

/** The server pool and the flavor table its flavor (and every pool's) is checked against. */
export function readServers(r: ConfigReader, image: string): { servers: NodePoolConfig; flavors: Record<string, FlavorSize> } {
    const serverCount = r.integer("serverCount", { default: 1, min: 1, max: 7 });
    if (serverCount % 2 === 0) {
        r.problem("serverCount", serverCount, "must be odd (1, 3, 5 or 7): embedded etcd needs an odd number of members for quorum");
    }
    const flavors = {
        ...DEFAULT_FLAVORS,
        ...r.json<Record<string, FlavorSize>>("flavors", { default: {}, expected: "a map of flavor name to {vcpus, ramMiB}" }),
    };
    for (const [name, size] of Object.entries(flavors)) {
        if (!size || !Number.isInteger(size.vcpus) || size.vcpus < 1 || !Number.isInteger(size.ramMiB) || size.ramMiB < 512) {
            r.problem(`flavors.${name}`, size, "must be {vcpus: integer >= 1, ramMiB: integer >= 512}");
        }
    }
    const flavor = (key: string) => {
        const value = r.string(key, { allowed: `an OpenStack flavor name, e.g. one of ${Object.keys(flavors).join(", ")}` });
        if (value.trim() !== "" && !(value in flavors)) {
            r.problem(key, value, `is not in the flavor table (${Object.keys(flavors).join(", ")}); add its size under flavors`);
        }
        return value;
    };
    const servers: NodePoolConfig = {
        count: serverCount,
        flavor: flavor("serverFlavor"),
        image: r.optionalString("serverImage") ?? image,
        labels: r.stringMap("serverLabels", { default: {} }),
    };
    for (const [k, v] of Object.entries(servers.labels)) {
        const problem = labelProblem(k, v);
        if (problem) r.problem(`serverLabels.${k}`, v, problem);
    }
    return { servers, flavors };
}

/** Per-node deviations, each naming a node of a pool (`server-0`, `agent-1`, `<pool>-2`). */
export function readNodeOverrides(
    r: ConfigReader,
    serverCount: number,
    agentPools: readonly AgentPoolConfig[],
    flavors: Record<string, FlavorSize>,
): Record<string, NodeOverride> {
    const poolCount = (key: string) => agentPools.find((p) => p.name === key)?.count ?? 0;

    const nodeOverrides =
        r.json<Record<string, NodeOverride>>("nodeOverrides", {
            default: {},
            expected: 'a map like {"agent-1": {"image": "...", "flavor": "..."}}',
        }) ?? {};
    for (const [key, override] of Object.entries(nodeOverrides)) {
        const match = /^([a-z][a-z0-9]*)-(\d+)$/.exec(key);
        const count = match?.[1] === "server" ? serverCount : poolCount(match?.[1] === "agent" ? "default" : (match?.[1] ?? ""));
        if (!match || Number(match[2]) >= count) {
            const pools = agentPools
                .filter((p) => p.count > 0)
                .map((p) => `${p.name === "default" ? "agent" : p.name}-0..${p.name === "default" ? "agent" : p.name}-${p.count - 1}`);
            r.problem(
                `nodeOverrides.${key}`,
                override,
                `names no node; use ${[`server-0..server-${serverCount - 1}`, ...pools].join(" or ")}`,
            );
            continue;
        }
        const fields = Object.keys(override ?? {});
        if (typeof override !== "object" || override === null || fields.some((f) => f !== "image" && f !== "flavor")) {
            r.problem(`nodeOverrides.${key}`, override, 'may only set "image" and "flavor"');
            continue;
        }
        if (override.flavor !== undefined && !(override.flavor in flavors)) {
            r.problem(`nodeOverrides.${key}.flavor`, override.flavor, `is not in the flavor table (${Object.keys(flavors).join(", ")})`);
        }
        if (override.image !== undefined && (typeof override.image !== "string" || override.image.trim() === "")) {
            r.problem(`nodeOverrides.${key}.image`, override.image, "must be a non-empty image name");
        }
    }
    return nodeOverrides;
}
