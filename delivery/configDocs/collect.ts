/**
 * Runs each layer's own config parser over the reference configurations (./variants.ts) with a
 * recording lookup, and merges what the reader learned per key: kind, default, what is allowed,
 * required or not, secret or not. docs/config.md is rendered from this, so it says exactly
 * what the reader does.
 */
import { strictLookup } from "../../lib/config/reader";
import type { KeyUse } from "../../lib/config/keyUse";
import { isSecretKey } from "../../lib/config/secrets";
import { parseInfraConfig } from "../../infra/config";
import { parseClusterConfig } from "../../cluster/config";
import { parseAppsConfig } from "../../apps/config";
import { Layer, Variant, VARIANTS, DOCS_REPOSITORY } from "./variants";

export const NAMESPACE = "data-platform";

/** One key as the reader defines it, over every reference configuration. */
export interface KeyRef {
    readonly key: string;
    readonly kind: KeyUse["kind"];
    /** Defaults seen, JSON; more than one when it depends on the environment or other keys. */
    readonly defaults: readonly string[];
    /** No reference configuration leaves it unset and the reader has no default for it. */
    readonly required: boolean;
    readonly secret: boolean;
    /** Every use the reader recorded (kinds, checks, ranges). */
    readonly uses: readonly KeyUse[];
}

/** Kinds from least to most specific: a key read several ways is described by the most specific. */
const SPECIFICITY: readonly KeyUse["kind"][] = ["read", "known", "json", "string", "map", "list", "boolean", "integer", "oneOf", "secret"];

/** Parses one reference configuration with a recording lookup; throws when the reader refuses it. */
export function recordVariant(layer: Layer, variant: Variant): KeyUse[] {
    const uses: KeyUse[] = [];
    const values = variant.values;
    const stack = `${values.environment}-${layer}`;
    const lookup = strictLookup(
        (k) => values[k],
        () => Object.keys(values).map((k) => `${NAMESPACE}:${k}`),
        `reference configuration ${variant.name}`,
        {
            isSecret: (k) => (variant.secrets ?? []).includes(k),
            stack,
            record: (u) => uses.push(u),
        },
    );
    const scope = `reference configuration ${layer}/${variant.name}`;
    if (layer === "infra") parseInfraConfig(lookup, NAMESPACE, scope);
    else if (layer === "cluster") parseClusterConfig(lookup, NAMESPACE, scope, NAMESPACE, (k) => (variant.secrets ?? []).includes(k));
    else parseAppsConfig(lookup, NAMESPACE, scope, { repository: DOCS_REPOSITORY });
    return uses;
}

/** Every key of a layer, sorted as first read. */
export function collectLayer(layer: Layer, variants: readonly Variant[] = VARIANTS[layer]): KeyRef[] {
    const byKey = new Map<string, { uses: KeyUse[]; defaults: Set<string>; unsetIn: number; order: number }>();
    let order = 0;
    for (const variant of variants) {
        const uses = recordVariant(layer, variant);
        const seen = new Set<string>();
        for (const u of uses) {
            // Paths into structures (flavors.x, agentPools.y) belong to their top-level key.
            if (/[.[]/.test(u.key)) continue;
            const entry = byKey.get(u.key) ?? { uses: [], defaults: new Set<string>(), unsetIn: 0, order: order++ };
            byKey.set(u.key, entry);
            entry.uses.push(u);
            if (u.default !== undefined) entry.defaults.add(JSON.stringify(u.default));
            if (u.kind !== "known") seen.add(u.key);
        }
        for (const key of seen) if (!(key in variant.values)) byKey.get(key)!.unsetIn++;
    }
    return [...byKey.entries()]
        .sort((a, b) => a[1].order - b[1].order)
        .map(([key, e]) => {
            const kind = e.uses.map((u) => u.kind).reduce((a, b) => (SPECIFICITY.indexOf(b) > SPECIFICITY.indexOf(a) ? b : a));
            const hasDefault = e.uses.some((u) => u.default !== undefined);
            const optional = e.uses.some((u) => u.optional);
            return {
                key,
                kind,
                defaults: [...e.defaults],
                required: e.unsetIn === 0 && !hasDefault && !optional && kind !== "known" && kind !== "secret",
                secret: kind === "secret" || isSecretKey(key),
                uses: e.uses,
            };
        });
}
