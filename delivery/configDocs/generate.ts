/** docs/config.md from the readers (collect), the descriptions (keys/) and the measured node replacements. */
import { collectLayer } from "./collect";
import { checkedLayer, renderConfigDocs } from "./render";
import { nodeReplacingKeys } from "./replaces";
import { VARIANTS } from "./variants";

export const CONFIG_DOCS_FILE = "docs/config.md";

export function generateConfigDocs(): string {
    const infra = collectLayer("infra");
    return renderConfigDocs({
        layers: { infra: checkedLayer("infra", infra), cluster: checkedLayer("cluster"), apps: checkedLayer("apps") },
        replaces: nodeReplacingKeys(infra, VARIANTS.infra),
    });
}
