/** The provider settings section of docs/config.md, from the table the reader checks them against. */
import TABLE from "../../lib/config/providerConfig.json";
import { SECRET_PROVIDER_KEYS } from "../../lib/config/providerKeys";

const PROVIDERS = TABLE as Record<string, { package: string; version: string; keys: Record<string, string> }>;

export function renderProviderSettings(): string[] {
    const out = [
        "## Provider settings",
        "",
        "Keys of the providers' namespaces (`openstack:authUrl`, …) are checked against what each provider",
        "accepts at the pinned version (`lib/config/providerConfig.json`, read from the installed SDKs by",
        "`npm run provider-config`): a misspelled one is refused with the nearest key instead of being ignored.",
        "",
        "| Namespace | Package | Keys (type; **secret**: `secure:` only) |",
        "|---|---|---|",
    ];
    for (const [ns, p] of Object.entries(PROVIDERS)) {
        const keys = Object.entries(p.keys).map(
            ([k, t]) => `\`${k}\` (${t}${(SECRET_PROVIDER_KEYS[ns] ?? []).includes(k) ? "; **secret**" : ""})`,
        );
        out.push(
            `| \`${ns}:\` | ${p.package} ${p.version} | ` +
                `${keys.length > 0 ? keys.join(", ") : "none: the provider takes no configuration"} |`,
        );
    }
    return [...out, ""];
}
