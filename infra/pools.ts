/**
 * Agent pools and availability zones in infra config: `agentPools` (pool name → flavor, count,
 * labels, taints, ...) and `availabilityZones`. The pre-pool keys (`agentCount`, `agentFlavor`,
 * `agentImage`, `agentLabels`) still describe pool `default` for one release, with a deprecation
 * warning that prints the exact `agentPools` entry to use instead (docs/infra.md, "Agent pools").
 */
import type { ConfigReader } from "../lib/config/reader";

export type PoolAntiAffinity = "soft" | "hard" | "none";

export interface AgentPoolConfig {
    readonly name: string;
    readonly flavor: string;
    readonly count: number;
    readonly image: string;
    /** Node labels (k3s `node-label`, set at first boot). */
    readonly labels: Record<string, string>;
    /** Node taints in Kubernetes form `key=value:Effect` (k3s `node-taint`, set at first boot). */
    readonly taints: string[];
    /** Nova server-group policy of the pool's nodes. */
    readonly antiAffinity: PoolAntiAffinity;
    /** Nodes of the pool replaced at once in a roll (each batch drained, replaced, Ready before the next). */
    readonly maxUnavailable: number;
    /** Zones the pool's nodes are spread over, round-robin (default: the global list). */
    readonly availabilityZones: string[];
}

/** The pool the pre-pool keys describe; its nodes keep their names (`agent-N`). */
export const DEFAULT_POOL = "default";
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
const RESERVED_POOL_NAMES = ["server", "agent"];
const POOL_FIELDS = ["flavor", "count", "image", "labels", "taints", "antiAffinity", "maxUnavailable", "availabilityZones", "volumeSizeGb"];
/** A taint is `key[=value]:Effect`, its key shaped like a label key. */
const TAINT_KEY = /([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?/.source;
const TAINT_VALUE = /[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?/.source;
const TAINT = new RegExp(`^${TAINT_KEY}(=${TAINT_VALUE})?:(NoSchedule|PreferNoSchedule|NoExecute)$`);
const LABEL_KEY = /^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const ZONE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;

export function labelProblem(key: string, value: unknown): string | undefined {
    if (!(typeof value === "string" && LABEL_KEY.test(key) && LABEL_VALUE.test(value)))
        return "must be a valid Kubernetes label key and value";
    return kubeletLabelProblem(key);
}

/**
 * The kubelet sets node labels from k3s' node-label, and refuses to start when one is in the
 * kubernetes.io/k8s.io namespaces outside the few it allows (Kubernetes' IsKubeletLabel).
 */
const KUBELET_LABELS = [
    "kubernetes.io/hostname",
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
];
const KUBELET_PREFIXES = ["kubelet.kubernetes.io", "node.kubernetes.io"];

function kubeletLabelProblem(key: string): string | undefined {
    const cut = key.indexOf("/");
    if (cut < 0) return undefined;
    const domain = key.slice(0, cut);
    const reserved = ["kubernetes.io", "k8s.io"].some((d) => domain === d || domain.endsWith(`.${d}`));
    if (KUBELET_LABELS.includes(key)) {
        // Allowed by the kubelet, but Kubernetes and the cloud controller set these themselves: a
        // pool-wide value would give every node one hostname or zone, and anti-affinity and zone
        // spreading (which key on them) would treat the pool as a single node.
        return (
            `is set on every node by Kubernetes itself (hostname, OS, architecture, instance type, zone); a ` +
            `pool-wide value breaks the anti-affinity and spreading that key on it: use availabilityZones for ` +
            `zones, or your own label like "platform.example.org/${key.slice(cut + 1)}"`
        );
    }
    if (!reserved || KUBELET_PREFIXES.some((p) => domain === p || domain.endsWith(`.${p}`))) return undefined;
    return (
        `is in the kubernetes.io/k8s.io namespace, which the kubelet refuses to set from node labels (the node ` +
        `would not start); use your own prefix, like "platform.example.org/${key.slice(cut + 1)}"`
    );
}

/** The slot key prefix of a pool's nodes: `agent` for the default pool (its pre-pool names), else the pool name. */
export function slotPrefix(pool: string): string {
    return pool === DEFAULT_POOL ? "agent" : pool;
}

export interface PoolDefaults {
    readonly image: string;
    readonly antiAffinity: "soft" | "hard";
    readonly zones: string[];
    readonly flavorProblem: (flavor: string) => string | undefined;
}

export interface ParsedPools {
    readonly pools: AgentPoolConfig[];
    readonly warnings: string[];
}

/** `availabilityZones`: a list of zone names, each once. */
export function readZones(r: ConfigReader): string[] {
    // Explicitly empty would read as "no zones" to some and "every zone" to others: leave it out instead.
    return r.stringList("availabilityZones", {
        default: [],
        minItems: r.has("availabilityZones") ? 1 : 0,
        check: (z) => (ZONE.test(z) ? undefined : 'must be an availability zone name like "nova" or "az-1"'),
    });
}

/** Reads `agentPools`, or pool `default` from the pre-pool keys (with a warning naming the replacement). */
export function readAgentPools(r: ConfigReader, d: PoolDefaults): ParsedPools {
    const legacyKeys = ["agentCount", "agentFlavor", "agentImage", "agentLabels"].filter((k) => r.has(k));
    if (r.has("agentPools")) {
        for (const key of legacyKeys)
            r.problem(
                key,
                "(set)",
                'cannot be set together with agentPools; move it into agentPools.default (docs/infra.md, "Agent pools")',
            );
        const raw = r.json<unknown>("agentPools", { expected: 'a map like {"default": {"flavor": "mb1.large", "count": 2}}' });
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            r.problem(
                "agentPools",
                raw,
                'must be a map of pool name to {flavor, count, ...}, e.g. {"default": {"flavor": "mb1.large", "count": 2}}',
            );
            return { pools: [], warnings: [] };
        }
        const pools = Object.entries(raw as Record<string, unknown>)
            .map(([name, spec]) => readPool(r, name, spec, d))
            .filter((p): p is AgentPoolConfig => p !== undefined);
        return { pools, warnings: [] };
    }
    // Pre-pool keys: pool "default", exactly as before (same node names, same user-data).
    const count = r.integer("agentCount", { default: 2, min: 0 });
    const flavor = r.string("agentFlavor", { allowed: "an OpenStack flavor name" });
    const flavorProblem = flavor.trim() === "" ? undefined : d.flavorProblem(flavor);
    if (flavorProblem) r.problem("agentFlavor", flavor, flavorProblem);
    const image = r.optionalString("agentImage");
    const labels = r.stringMap("agentLabels", { default: {} });
    for (const [k, v] of Object.entries(labels)) {
        const problem = labelProblem(k, v);
        if (problem) r.problem(`agentLabels.${k}`, v, problem);
    }
    const pool: AgentPoolConfig = {
        name: DEFAULT_POOL,
        flavor,
        count,
        image: image ?? d.image,
        labels,
        taints: [],
        antiAffinity: d.antiAffinity,
        maxUnavailable: 1,
        availabilityZones: d.zones,
    };
    const warnings =
        legacyKeys.length === 0
            ? []
            : [
                  deprecationWarning(r, legacyKeys, {
                      flavor,
                      count,
                      ...(image ? { image } : {}),
                      ...(Object.keys(labels).length ? { labels } : {}),
                  }),
              ];
    return { pools: [pool], warnings };
}

/** The warning for the pre-pool keys: which keys, and the exact entry that replaces them. */
export function deprecationWarning(r: ConfigReader, keys: string[], entry: Record<string, unknown>): string {
    const yaml = `  ${r.qualified("agentPools")}:\n    ${DEFAULT_POOL}: ${JSON.stringify(entry)}`;
    return (
        `${keys.map((k) => r.qualified(k)).join(", ")} ${keys.length === 1 ? "is" : "are"} deprecated ` +
        `and will be refused in the next release. Replace ${keys.length === 1 ? "it" : "them"} in the stack file with:\n${yaml}\n` +
        `(this keeps every node: the pool is named "${DEFAULT_POOL}" and its nodes keep their names)`
    );
}

function readPool(r: ConfigReader, name: string, spec: unknown, d: PoolDefaults): AgentPoolConfig | undefined {
    const key = `agentPools.${name}`;
    if (!POOL_NAME.test(name) || RESERVED_POOL_NAMES.includes(name)) {
        r.problem(
            key,
            spec,
            `is not a valid pool name: 1-12 lowercase letters and digits, starting with a letter, not ` +
                `${RESERVED_POOL_NAMES.map((n) => `"${n}"`).join(" or ")} (node names are <environment>-<pool>-<index>-<hash>)`,
        );
        return undefined;
    }
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
        r.problem(key, spec, 'must be an object like {"flavor": "mb1.large", "count": 2}');
        return undefined;
    }
    const s = spec as Record<string, unknown>;
    for (const field of Object.keys(s)) {
        if (!POOL_FIELDS.includes(field)) r.problem(`${key}.${field}`, s[field], `is not a pool setting; use ${POOL_FIELDS.join(", ")}`);
    }
    if (typeof s.flavor !== "string" || s.flavor.trim() === "")
        r.problem(`${key}.flavor`, s.flavor, "is required: an OpenStack flavor name");
    else {
        const problem = d.flavorProblem(s.flavor);
        if (problem) r.problem(`${key}.flavor`, s.flavor, problem);
    }
    if (!Number.isInteger(s.count) || (s.count as number) < 0) r.problem(`${key}.count`, s.count, "is required: an integer >= 0");
    if (s.image !== undefined && (typeof s.image !== "string" || s.image.trim() === ""))
        r.problem(`${key}.image`, s.image, "must be a non-empty image name");
    const labels = (s.labels ?? {}) as Record<string, unknown>;
    if (typeof labels !== "object" || labels === null || Array.isArray(labels))
        r.problem(`${key}.labels`, s.labels, 'must be a map of label key to value, e.g. {"workload": "kafka"}');
    else
        for (const [k, v] of Object.entries(labels)) {
            const problem = labelProblem(k, v);
            if (problem) r.problem(`${key}.labels.${k}`, v, problem);
        }
    const taints = s.taints ?? [];
    if (!Array.isArray(taints)) r.problem(`${key}.taints`, taints, 'must be a list like ["dedicated=kafka:NoSchedule"]');
    else
        taints.forEach((t, i) => {
            if (typeof t !== "string" || !TAINT.test(t))
                r.problem(
                    `${key}.taints[${i}]`,
                    t,
                    "must be a Kubernetes taint key[=value]:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute",
                );
        });
    const antiAffinity = s.antiAffinity ?? d.antiAffinity;
    if (!["soft", "hard", "none"].includes(antiAffinity as string))
        r.problem(`${key}.antiAffinity`, antiAffinity, 'must be "soft", "hard" or "none"');
    const maxUnavailable = s.maxUnavailable ?? 1;
    if (!Number.isInteger(maxUnavailable) || (maxUnavailable as number) < 1)
        r.problem(`${key}.maxUnavailable`, maxUnavailable, "must be an integer >= 1 (nodes replaced at once in a roll)");
    else if (Number.isInteger(s.count) && (s.count as number) >= 1 && (maxUnavailable as number) > (s.count as number)) {
        r.problem(
            `${key}.maxUnavailable`,
            maxUnavailable,
            `must be at most the pool's count (${s.count as number}): it is how many of the pool's nodes a roll takes down at once`,
        );
    }
    const zones = s.availabilityZones ?? d.zones;
    if (
        !Array.isArray(zones) ||
        (zones.length === 0 && s.availabilityZones !== undefined) ||
        zones.some((z) => typeof z !== "string" || !ZONE.test(z))
    ) {
        r.problem(
            `${key}.availabilityZones`,
            zones,
            'must be a non-empty list of availability zone names, e.g. ["az-1", "az-2"] (leave it out for the stack\'s availabilityZones)',
        );
    } else
        zones.forEach((z, i) => {
            if (zones.indexOf(z) !== i)
                r.problem(`${key}.availabilityZones[${i}]`, z, `repeats availabilityZones[${zones.indexOf(z)}]; list each zone once`);
        });
    if (s.volumeSizeGb !== undefined)
        r.problem(
            `${key}.volumeSizeGb`,
            s.volumeSizeGb,
            'is not supported yet: nodes boot from the flavor\'s disk (docs/infra.md, "Agent pools")',
        );
    return {
        name,
        flavor: String(s.flavor ?? ""),
        count: Number.isInteger(s.count) ? (s.count as number) : 0,
        image: typeof s.image === "string" ? s.image : d.image,
        labels: Object.fromEntries(Object.entries(labels ?? {}).map(([k, v]) => [k, String(v)])),
        taints: Array.isArray(taints) ? taints.map(String) : [],
        antiAffinity: (antiAffinity as PoolAntiAffinity) ?? d.antiAffinity,
        maxUnavailable: Number.isInteger(maxUnavailable) ? (maxUnavailable as number) : 1,
        availabilityZones: Array.isArray(zones) ? zones.map(String) : [],
    };
}
