/**
 * The optional price table the environment report uses for its monthly cost estimate. The infra
 * layer creates nothing from it; it lives here because the flavor table it prices does.
 */
import type { ConfigReader } from "../lib/config/reader";

export interface PriceTable {
    /** ISO 4217 code the prices are in, e.g. "EUR"; the user's own, never converted. */
    readonly currency: string;
    /** Flavor name → price of one VM of that flavor for one month. */
    readonly flavorPerMonth: Record<string, number>;
    /** Price of one GiB of block storage (Cinder) for one month; 0 when not given. */
    readonly volumeGbPerMonth: number;
}

const EXAMPLE = '{"currency": "EUR", "flavorPerMonth": {"mb1.large": 60}, "volumeGbPerMonth": 0.05}';
const FIELDS = ["currency", "flavorPerMonth", "volumeGbPerMonth"];

const price = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** Reads `flavorPrices`; every flavor the nodes use must be priced, or the estimate would be low. */
export function parseFlavorPrices(
    r: ConfigReader,
    flavors: Record<string, unknown>,
    usedFlavors: readonly string[],
): PriceTable | undefined {
    if (!r.has("flavorPrices")) return undefined;
    const raw = r.json<Record<string, unknown>>("flavorPrices", { expected: EXAMPLE });
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        r.problem("flavorPrices", raw, `must be an object like ${EXAMPLE}`);
        return undefined;
    }
    for (const key of Object.keys(raw)) {
        if (!FIELDS.includes(key)) r.problem(`flavorPrices.${key}`, raw[key], `is not a setting; use ${FIELDS.join(", ")}`);
    }
    const { currency, flavorPerMonth = {}, volumeGbPerMonth = 0 } = raw;
    if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) {
        r.problem("flavorPrices.currency", currency, 'must be a three-letter currency code such as "EUR" or "USD"');
    }
    if (!price(volumeGbPerMonth))
        r.problem("flavorPrices.volumeGbPerMonth", volumeGbPerMonth, "must be a number >= 0 (price of 1 GiB for a month)");
    const table: Record<string, number> = {};
    if (typeof flavorPerMonth !== "object" || flavorPerMonth === null || Array.isArray(flavorPerMonth)) {
        r.problem("flavorPrices.flavorPerMonth", flavorPerMonth, "must map flavor names to monthly prices");
    } else {
        for (const [flavor, value] of Object.entries(flavorPerMonth)) {
            if (!(flavor in flavors))
                r.problem(
                    `flavorPrices.flavorPerMonth.${flavor}`,
                    value,
                    `is not in the flavor table (${Object.keys(flavors).join(", ")})`,
                );
            else if (!price(value))
                r.problem(`flavorPrices.flavorPerMonth.${flavor}`, value, "must be a number >= 0 (price of one VM for a month)");
            else table[flavor] = value;
        }
        for (const flavor of new Set(usedFlavors)) {
            if (!(flavor in (flavorPerMonth as object))) {
                r.problem(
                    `flavorPrices.flavorPerMonth.${flavor}`,
                    undefined,
                    "is missing: the nodes use this flavor, so the estimate needs its price",
                );
            }
        }
    }
    return { currency: String(currency), flavorPerMonth: table, volumeGbPerMonth: price(volumeGbPerMonth) ? volumeGbPerMonth : 0 };
}
