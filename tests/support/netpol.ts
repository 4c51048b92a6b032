/**
 * A small, pure evaluator of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), for
 * testing policies as a table of who may talk to whom:
 * - a pod is isolated for a direction when any policy of its namespace selects it and lists that
 *   direction in policyTypes; isolated traffic needs an allowing rule, the rest is allowed;
 * - a connection succeeds when the source's egress AND the destination's ingress allow it;
 * - peers: podSelector (policy's namespace), namespaceSelector (+ podSelector), ipBlock (cidr
 *   minus except); ports: number or named container port, protocol defaults to TCP; an empty
 *   `from`/`to`/`ports` matches everything.
 * Not modelled (not used here): endPort, IPv6, SCTP.
 */
export type Labels = Record<string, string>;

export interface Endpoint {
    /** Pods have a namespace; an external address has none. */
    readonly namespace?: string;
    readonly labels?: Labels;
    readonly ip?: string;
    /** Named container ports of the destination pod. */
    readonly ports?: Record<string, number>;
}

interface Selector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

type Policy = Record<string, any>;

export function selects(selector: Selector | undefined, labels: Labels = {}): boolean {
    if (!selector) return true;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = e.key in labels;
        if (e.operator === "In" && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && (e.values ?? []).includes(labels[e.key])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

const ipToInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
export function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base) / size);
}

function peerMatches(peer: Record<string, any>, policyNs: string, other: Endpoint): boolean {
    if (peer.ipBlock) {
        if (!other.ip || !inCidr(other.ip, peer.ipBlock.cidr)) return false;
        return !(peer.ipBlock.except ?? []).some((c: string) => inCidr(other.ip!, c));
    }
    if (other.namespace === undefined) return false;
    const nsLabels = { "kubernetes.io/metadata.name": other.namespace };
    if (peer.namespaceSelector) {
        return selects(peer.namespaceSelector, nsLabels) && selects(peer.podSelector, other.labels);
    }
    return other.namespace === policyNs && selects(peer.podSelector, other.labels);
}

function portMatches(ports: any[] | undefined, port: number, protocol: string, dest: Endpoint): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        const number = typeof p.port === "string" ? dest.ports?.[p.port] : p.port;
        return number === port;
    });
}

function directionAllows(
    policies: Policy[],
    pod: Endpoint,
    other: Endpoint,
    dir: "Ingress" | "Egress",
    port: number,
    protocol: string,
    dest: Endpoint,
): boolean {
    if (pod.namespace === undefined) return true; // outside the cluster: no policy applies
    const applying = policies.filter(
        (p) =>
            p.metadata.namespace === pod.namespace &&
            selects(p.spec.podSelector, pod.labels) &&
            (p.spec.policyTypes ?? ["Ingress"]).includes(dir),
    );
    if (applying.length === 0) return true;
    const key = dir === "Ingress" ? "ingress" : "egress";
    const peersKey = dir === "Ingress" ? "from" : "to";
    return applying.some((p) =>
        (p.spec[key] ?? []).some(
            (rule: any) =>
                (!rule[peersKey] ||
                    rule[peersKey].length === 0 ||
                    rule[peersKey].some((peer: any) => peerMatches(peer, p.metadata.namespace, other))) &&
                portMatches(rule.ports, port, protocol, dest),
        ),
    );
}

/** May `from` open a connection to `to` on `port`/`protocol` under `policies`? */
export function mayConnect(policies: Policy[], from: Endpoint, to: Endpoint, port: number, protocol: "TCP" | "UDP" = "TCP"): boolean {
    return (
        directionAllows(policies, from, to, "Egress", port, protocol, to) &&
        directionAllows(policies, to, from, "Ingress", port, protocol, to)
    );
}
