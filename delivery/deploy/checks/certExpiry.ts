/**
 * What expires in an infra stack. The deploy identity's client certificate in its kubeconfig
 * (30 days): before a deployment `npm run up` reads the `adminCertExpiresAt` output and warns
 * inside the renewal window (its last 20 days); the same `pulumi up` then renews it (the tls provider replaces a certificate
 * inside its `earlyRenewalHours`, infra/pki.ts), so the warning says so. The cloud controllers'
 * application credential (`cloudCredentialExpiresAt`, a date the user sets): nothing renews it
 * by itself, so the warning says which key to move and which layers to update.
 */
import type { CommandRunner } from "./preflight";

export const CERT_WARN_DAYS = 20;
export const CREDENTIAL_WARN_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/** The warning for one stack, or undefined when the certificate is far from expiry (or unknown). */
export function certExpiryWarning(stack: string, expiresAt: string | undefined, now: Date, warnDays = CERT_WARN_DAYS): string | undefined {
    if (!expiresAt) return undefined;
    const end = Date.parse(expiresAt);
    if (Number.isNaN(end)) return undefined;
    const days = Math.floor((end - now.getTime()) / DAY_MS);
    if (days >= warnDays) return undefined;
    const when = expiresAt.slice(0, 10);
    const state =
        end <= now.getTime()
            ? `EXPIRED on ${when}: the cluster and apps stacks, the drain and the readiness gate get 401 until it is renewed`
            : `expires on ${when} (in ${days} day${days === 1 ? "" : "s"})`;
    return (
        `warning: ${stack}: the deploy identity's client certificate ${state}. ` +
        `Updating ${stack} renews it; afterwards re-export your kubeconfig: pulumi stack output -s ${stack} kubeconfig --show-secrets`
    );
}

/** The warning for the cloud controllers' credential, whose last day is `lastDay` (YYYY-MM-DD). */
export function credentialExpiryWarning(
    stack: string,
    lastDay: string | undefined,
    now: Date,
    warnDays = CREDENTIAL_WARN_DAYS,
): string | undefined {
    if (!lastDay || !/^\d{4}-\d{2}-\d{2}$/.test(lastDay)) return undefined;
    const end = Date.parse(`${lastDay}T23:59:59Z`);
    const days = Math.floor((end - now.getTime()) / DAY_MS);
    if (days >= warnDays) return undefined;
    const state =
        end <= now.getTime()
            ? `EXPIRED after ${lastDay}: the cloud controller manager and ` +
              `cinder-csi get 401 (no new volumes, attachments or node addresses)`
            : `expires after ${lastDay} (in ${days} day${days === 1 ? "" : "s"})`;
    const env = stack.replace(/-infra$/, "");
    return (
        `warning: ${stack}: the cloud controllers' application credential ${state}. ` +
        `Rotate it: pulumi config set -s ${stack} cloudCredentialExpiresAt <a later date>, ` +
        `then update ${stack} and ${env}-cluster (npm run up -- ${env})`
    );
}

async function stringOutput(run: CommandRunner, stack: string, key: string, workDir: string): Promise<string | undefined> {
    const out = await run("pulumi", ["stack", "output", "-s", stack, key, "--json"], { cwd: workDir });
    if (out.code !== 0) return undefined;
    try {
        const value: unknown = JSON.parse(out.stdout || "null");
        return typeof value === "string" ? value : undefined;
    } catch {
        return undefined;
    }
}

/** Expiry warnings for the infra stacks among `stacks` (a stack without the outputs yet gives none). */
export async function adminCertWarnings(
    run: CommandRunner,
    stacks: { layer: string; stack: string }[],
    workDir: string,
    now = new Date(),
): Promise<string[]> {
    const warnings: string[] = [];
    for (const { stack } of stacks.filter((s) => s.layer === "infra")) {
        const cert = certExpiryWarning(stack, await stringOutput(run, stack, "adminCertExpiresAt", workDir), now);
        const credential = credentialExpiryWarning(stack, await stringOutput(run, stack, "cloudCredentialExpiresAt", workDir), now);
        warnings.push(...[cert, credential].filter((w): w is string => w !== undefined));
    }
    return warnings;
}
