/**
 * The building blocks of every layer's NetworkPolicies and Pod Security labels: peers, ports, a
 * namespace's default-deny base and the Kubernetes API egress. k3s enforces NetworkPolicies
 * with its embedded kube-router controller after Service DNAT, so rules name pods and node
 * addresses, not Service IPs. Pure.
 */
export type Obj = Record<string, unknown>;

/** Pod Security Standards levels, from the loosest to the strictest. */
export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/**
 * Pod Security admission labels: `enforce` at the strictest level the namespace's pods pass;
 * below `restricted`, `warn` and `audit` report what keeps the namespace from the next level.
 */
export function podSecurityLabels(enforce: PodSecurityLevel): Record<string, string> {
    const report: Record<string, string> =
        enforce === "restricted"
            ? {}
            : { "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" };
    return { "pod-security.kubernetes.io/enforce": enforce, ...report };
}

/** Private, link-local (metadata service) and CGNAT ranges: never "the internet". */
export const NOT_INTERNET = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];
/** k3s' default pod and Service ranges. */
export const CLUSTER_RANGES = ["10.42.0.0/16", "10.43.0.0/16"];

export const ns = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });
export const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
export const udp = (...ports: number[]) => ports.map((port) => ({ protocol: "UDP", port }));
export const labels = (l: Record<string, string>) => ({ matchLabels: l });

export const PEERS = {
    ingressController: { namespaceSelector: ns("ingress-nginx"), podSelector: labels({ "app.kubernetes.io/name": "ingress-nginx" }) },
    prometheus: (monitoring: string) => ({
        namespaceSelector: ns(monitoring),
        podSelector: labels({ "app.kubernetes.io/name": "prometheus" }),
    }),
    dns: { namespaceSelector: ns("kube-system"), podSelector: labels({ "k8s-app": "kube-dns" }) },
    internet: { ipBlock: { cidr: "0.0.0.0/0", except: NOT_INTERNET } },
    /** Anything but the metadata service and the cluster's own pod/service ranges (an object store may be private). */
    anyOutsideCluster: { ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16", ...CLUSTER_RANGES] } },
    /** Every pod of the policy's own namespace. */
    sameNamespace: { podSelector: {} },
    /** Every pod of every namespace (their own ingress policies decide). */
    anyPod: { namespaceSelector: {} },
};

export function policy(namespace: string, name: string, podSelector: Obj, rules: { ingress?: Obj[]; egress?: Obj[] }): Obj {
    const policyTypes = [...(rules.ingress ? ["Ingress"] : []), ...(rules.egress ? ["Egress"] : [])];
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace },
        spec: {
            podSelector,
            policyTypes,
            ...(rules.ingress ? { ingress: rules.ingress } : {}),
            ...(rules.egress ? { egress: rules.egress } : {}),
        },
    };
}

/**
 * Deny all in and out, and allow DNS: the base of every namespace. `acmeSolver`: the namespace
 * holds Ingresses, so cert-manager may start its ACME HTTP-01 solver pods there.
 */
export function denyAllBase(namespace: string, opts: { acmeSolver?: boolean } = {}): Obj[] {
    return [
        policy(namespace, "default-deny", {}, { ingress: [], egress: [] }),
        policy(namespace, "allow-dns", {}, { egress: [{ to: [PEERS.dns], ports: [...udp(53), ...tcp(53)] }] }),
        ...(opts.acmeSolver
            ? [
                  policy(namespace, "acme-http01-solver", labels({ "acme.cert-manager.io/http01-solver": "true" }), {
                      ingress: [{ from: [PEERS.ingressController], ports: tcp(8089) }],
                  }),
              ]
            : []),
    ];
}

/** Egress rule to the Kubernetes API: the `kubernetes` Service DNATs to the servers' 6443. */
export const kubeApi = (apiServers: readonly string[]) => ({
    to: apiServers.map((a) => ({ ipBlock: { cidr: `${a}/32` } })),
    ports: tcp(6443),
});

/** The TCP port of an http(s) URL. */
export function endpointPort(url: string): number {
    const u = new URL(url);
    return u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
}
