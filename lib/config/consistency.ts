/**
 * Consistency of one stack with its name and its environment: the `environment` key matches the
 * stack name (`<environment>-<layer>`), references to lower stacks name the same environment's
 * stacks, and no value carries another environment's name (a copied stack file's leftovers:
 * `platform-dev-backups` in prod, `airflow.dev.example.org` in staging).
 */

/** The environment part of `<env>-<layer>`, or undefined for another stack name. */
export function environmentOfStack(stack: string, layer: string): string | undefined {
    return stack.endsWith(`-${layer}`) ? stack.slice(0, -(layer.length + 1)) : undefined;
}

/** A problem when `environment` does not match the stack name (`<environment>-<layer>`). */
export function environmentMismatch(stack: string | undefined, layer: string, environment: string): string | undefined {
    if (!stack) return undefined;
    const fromName = environmentOfStack(stack, layer);
    if (fromName === undefined || fromName === environment) return undefined;
    return (
        `does not match the stack name ${stack} (environment "${fromName}"): set environment: ${fromName}, ` +
        `or name the file Pulumi.${environment}-${layer}.yaml`
    );
}

/** A problem when a reference to the lower `layer` names another environment's stack. */
export function crossEnvironmentReference(referenced: string, layer: string, environment: string): string | undefined {
    const env = environmentOfStack(referenced, layer);
    if (env === undefined) return `must name this environment's ${layer} stack, "${environment}-${layer}"`;
    if (env !== environment) {
        return (
            `names environment "${env}"'s stack from environment "${environment}": an environment only reads its ` +
            `own lower stacks; use "${environment}-${layer}"`
        );
    }
    return undefined;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Keys whose value names another environment as a whole token (between `.`, `-`, `_`, `/`, `:`
 * or the ends): `[key, otherEnvironment]` pairs.
 */
export function leftovers(values: Readonly<Record<string, string>>, environment: string, others: readonly string[]): [string, string][] {
    const foreign = others.filter((o) => o !== environment && o.length > 0);
    if (foreign.length === 0) return [];
    const out: [string, string][] = [];
    for (const [key, value] of Object.entries(values)) {
        // This environment's own name first, so "prod" is not found inside "prod-eu".
        const rest = value.split(environment).join(" ");
        const hit = foreign.find((other) => new RegExp(`(^|[./_:\\s"-])${escape(other)}($|[./_:\\s"-])`).test(rest));
        if (hit) out.push([key, hit]);
    }
    return out;
}
