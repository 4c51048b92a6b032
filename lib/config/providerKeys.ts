/**
 * Provider settings in a stack file (`openstack:authUrl`, `tls:proxy`, …) checked against what
 * each provider accepts at the pinned version (providerConfig.json, read from the installed SDKs
 * by `npm run provider-config`). A misspelled provider key is otherwise dropped without a word
 * and the provider falls back to its default (or to an `OS_*` variable of whoever runs `up`).
 */
import TABLE from "./providerConfig.json";
import { didYouMean } from "./didYouMean";

type KeyType = "string" | "boolean" | "number" | "object";
const PROVIDERS = TABLE as Record<string, { package: string; version: string; keys: Record<string, KeyType> }>;

/** Namespaces checked here; other foreign namespaces (`pulumi:`) are the engine's own. */
export const PROVIDER_NAMESPACES: readonly string[] = Object.keys(PROVIDERS);

/** Provider keys that hold credentials (the schema marks them secret): `secure:` only. */
export const SECRET_PROVIDER_KEYS: Readonly<Record<string, readonly string[]>> = {
    openstack: ["password", "applicationCredentialSecret", "token"],
};

/**
 * Why a provider key is wrong, or undefined. `usedBy` lists the provider namespaces whose
 * default provider the layer uses (undefined: not known, so not checked).
 */
export function providerKeyProblem(
    ns: string,
    key: string,
    value: string | undefined,
    secret: boolean,
    usedBy: readonly string[] | undefined,
): string | undefined {
    const p = PROVIDERS[ns];
    if (!p) return undefined;
    const at = `${p.package} ${p.version}`;
    const names = Object.keys(p.keys);
    const type = p.keys[key];
    if (!type) {
        if (names.length === 0) return `the ${ns} provider (${at}) takes no configuration; remove it`;
        const guess = didYouMean(key, names);
        return (
            `is not a setting of the ${ns} provider (${at})${guess ? `; did you mean ${ns}:${guess}?` : ""} (it ` +
            `would be ignored and the provider would use its default; allowed: ${names.join(", ")})`
        );
    }
    if (ns === "kubernetes") {
        return (
            "is read by nothing: every Kubernetes object goes through the layer's own provider built from the " +
            "infra layer's kubeconfig, and stack settings reach only a default provider, which this program " +
            "never uses; remove it"
        );
    }
    if (usedBy && !usedBy.includes(ns))
        return `is read by nothing in this layer (its resources use no ${ns} provider); remove it from this stack`;
    if (SECRET_PROVIDER_KEYS[ns]?.includes(key) && !secret) {
        return (
            `is a credential stored in plain text; set it with: pulumi config set --secret ${ns}:${key} <value> ` +
            `(or leave it out and use OS_* variables / clouds.yaml)`
        );
    }
    if (value === undefined || secret) return undefined;
    if (type === "boolean" && !/^(true|false)$/.test(value)) return `must be true or false (the provider reads a boolean)`;
    if (type === "number" && !/^\d+$/.test(value)) return `must be a decimal integer (the provider reads a number)`;
    if (type === "object" && !isObject(value)) return `must be a map (YAML mapping under the key), as the provider reads an object`;
    return undefined;
}

function isObject(text: string): boolean {
    try {
        const v: unknown = JSON.parse(text);
        return typeof v === "object" && v !== null && !Array.isArray(v);
    } catch {
        return false;
    }
}
