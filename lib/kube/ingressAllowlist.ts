/**
 * Per-Ingress source allowlists (ingress-nginx): admin UIs default to the infra layer's
 * `adminCidrs`. ingress-nginx sees the client's own address (ServiceLB with
 * `externalTrafficPolicy: Local`, no trusted forwarding headers), so the list means what it says.
 * cert-manager's HTTP-01 solver gets an Ingress of its own, so ACME still reaches it. Pure.
 */
export const ALLOWLIST_ANNOTATION = "nginx.ingress.kubernetes.io/whitelist-source-range";

/** The annotation for a list; none (open to every address) for undefined. */
export function allowlistAnnotations(cidrs: readonly string[] | undefined): Record<string, string> {
    return cidrs === undefined ? {} : { [ALLOWLIST_ANNOTATION]: cidrs.join(",") };
}

/**
 * An admin UI's allowlist: the configured key, else the infra stack's `adminCidrs`. An infra
 * stack deployed before it published them leaves nothing to default to: refused, naming both ways out.
 */
export function adminAllowlist(key: string, configured: readonly string[] | undefined, adminCidrs: unknown, infraStack: string): string[] {
    if (configured !== undefined) return [...configured];
    if (Array.isArray(adminCidrs) && adminCidrs.length > 0 && adminCidrs.every((c) => typeof c === "string")) return [...adminCidrs];
    throw new Error(
        `${key} is unset and the infra stack "${infraStack}" publishes no adminCidrs (it was deployed before it did): ` +
            `run \`pulumi up -s ${infraStack.split("/").pop()}\` first, or set ${key} to the CIDRs that may ` +
            `reach this admin UI (["0.0.0.0/0"] opens it to everyone).`,
    );
}
