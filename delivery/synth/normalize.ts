/**
 * Turns the raw property structs that the Pulumi SDK sends to the resource monitor into plain,
 * reviewable JSON: secrets become `{"@secret": value}` (the values are synth placeholders, never
 * real secrets), resource references become their URN, assets and archives a short description.
 */
import { sortKeys } from "../../lib/naming";

export const SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Marker key for secret values in synth output. */
export const SECRET_KEY = "@secret";

export function normalizeProperty(value: unknown): unknown {
    if (value === UNKNOWN) return "<unknown>";
    if (Array.isArray(value)) return value.map(normalizeProperty);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    switch (obj[SIG]) {
        case SECRET_SIG:
            return { [SECRET_KEY]: normalizeProperty(obj.value) };
        case RESOURCE_SIG:
            return obj.urn;
        case ASSET_SIG:
        case ARCHIVE_SIG:
            return { "@asset": obj.path ?? obj.uri ?? (obj.text !== undefined ? "text" : "archive") };
        case OUTPUT_SIG: {
            const inner = normalizeProperty(obj.value);
            return obj.secret ? { [SECRET_KEY]: inner } : inner;
        }
        default:
            return sortKeys(Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, normalizeProperty(v)])));
    }
}

/** Removes `{"@secret": v}` wrappers, for feeding synth outputs into a StackReference mock. */
export function revealPlaceholders(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(revealPlaceholders);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length === 1 && SECRET_KEY in obj) return revealPlaceholders(obj[SECRET_KEY]);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, revealPlaceholders(v)]));
}

/** True when the value (or anything inside it) is marked secret. */
export function containsSecret(value: unknown): boolean {
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value === null || typeof value !== "object") return false;
    const obj = value as Record<string, unknown>;
    return SECRET_KEY in obj || Object.values(obj).some(containsSecret);
}
