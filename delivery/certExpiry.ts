/**
 * The admin client certificate in the infra stack's kubeconfig expires (one year). Before a
 * deployment, `npm run up` reads each infra stack's `adminCertExpiresAt` output and warns inside
 * the renewal window; the same `pulumi up` then renews it (the tls provider replaces a
 * certificate inside its `earlyRenewalHours`, infra/pki.ts), so the warning says so.
 */
import type { CommandRunner } from "./preflight";

export const CERT_WARN_DAYS = 60;
const DAY_MS = 24 * 3600 * 1000;

/** The warning for one stack, or undefined when the certificate is far from expiry (or unknown). */
export function certExpiryWarning(stack: string, expiresAt: string | undefined, now: Date, warnDays = CERT_WARN_DAYS): string | undefined {
    if (!expiresAt) return undefined;
    const end = Date.parse(expiresAt);
    if (Number.isNaN(end)) return undefined;
    const days = Math.floor((end - now.getTime()) / DAY_MS);
    if (days >= warnDays) return undefined;
    const when = expiresAt.slice(0, 10);
    const state = end <= now.getTime() ? `EXPIRED on ${when}: the cluster and apps stacks, the drain and the readiness gate get 401 until it is renewed` : `expires on ${when} (in ${days} day${days === 1 ? "" : "s"})`;
    return (
        `warning: ${stack}: the admin client certificate ${state}. ` +
        `Updating ${stack} renews it; afterwards re-export your kubeconfig: pulumi stack output -s ${stack} kubeconfig --show-secrets`
    );
}

/** Warnings for the infra stacks among `stacks` (a stack without the output yet gives none). */
export async function adminCertWarnings(run: CommandRunner, stacks: { layer: string; stack: string }[], workDir: string, now = new Date()): Promise<string[]> {
    const warnings: string[] = [];
    for (const { stack } of stacks.filter((s) => s.layer === "infra")) {
        const out = await run("pulumi", ["stack", "output", "-s", stack, "adminCertExpiresAt", "--json"], { cwd: workDir });
        if (out.code !== 0) continue;
        let value: unknown;
        try {
            value = JSON.parse(out.stdout || "null");
        } catch {
            continue;
        }
        const w = certExpiryWarning(stack, typeof value === "string" ? value : undefined, now);
        if (w) warnings.push(w);
    }
    return warnings;
}
