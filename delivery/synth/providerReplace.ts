/**
 * When a provider resource is itself replaced — and with it every resource it manages. Only
 * pulumi-kubernetes decides this from its configuration (`DiffConfig`); its rule at the pinned
 * version is recorded in providers/kubernetes.json (`providerConfig`, read from the provider's
 * source): an unchanged `clusterIdentifier` never replaces; a changed one always does; without
 * one (or while it is being added or removed), an unknown kubeconfig/context/cluster or a
 * change of the kubeconfig's active cluster entry replaces. Pure; secrets are read, never shown.
 */
import { parse } from "yaml";
import kubernetesTable from "../providers/tables/kubernetes.json";

export interface ProviderConfigRule {
    readonly identifier: string;
    readonly unknownReplaces: readonly string[];
    readonly activeCluster: readonly string[];
    readonly alwaysReplace: readonly string[];
}

export const KUBERNETES_PROVIDER_RULE: ProviderConfigRule = kubernetesTable.providerConfig;

export interface ProviderVerdict {
    readonly replace: boolean;
    /** Inputs that force the replacement. */
    readonly why: string[];
    /** One line per cause (replace), or why a risky-looking change is only an update. */
    readonly reasons: string[];
}

/** What the synth records for a value known only at apply time (see normalize.ts). */
const UNKNOWN = "<unknown>";
/** The fields of a kubeconfig cluster entry that client-go keeps (its Cluster struct). */
const CLUSTER_FIELDS = [
    "server",
    "tls-server-name",
    "insecure-skip-tls-verify",
    "certificate-authority",
    "certificate-authority-data",
    "proxy-url",
    "disable-compression",
    "extensions",
];

function reveal(value: unknown): unknown {
    const isSecret =
        value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "@secret" in value;
    return isSecret ? (value as { "@secret": unknown })["@secret"] : value;
}

function present(value: unknown): boolean {
    return value !== undefined && value !== null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

type Named = { name?: unknown; [k: string]: unknown };

/** The active cluster entry (empty fields dropped), as the provider finds it: context/cluster inputs override the kubeconfig's. */
export function activeCluster(inputs: Record<string, unknown>): Record<string, unknown> | undefined {
    let doc: unknown = reveal(inputs.kubeconfig);
    if (typeof doc === "string") {
        try {
            doc = parse(doc);
        } catch {
            return undefined;
        }
    }
    if (!doc || typeof doc !== "object") return undefined;
    const config = doc as { clusters?: Named[]; contexts?: Named[]; "current-context"?: unknown };
    const contextName = present(reveal(inputs.context)) ? reveal(inputs.context) : config["current-context"];
    const context = config.contexts?.find((c) => c?.name === contextName)?.context as { cluster?: unknown } | undefined;
    if (!context) return undefined;
    const clusterName = present(reveal(inputs.cluster)) ? reveal(inputs.cluster) : context.cluster;
    const cluster = config.clusters?.find((c) => c?.name === clusterName)?.cluster as Record<string, unknown> | undefined;
    if (!cluster) return undefined;
    return Object.fromEntries(
        CLUSTER_FIELDS.filter((f) => cluster[f] !== undefined && cluster[f] !== "" && cluster[f] !== false).map((f) => [f, cluster[f]]),
    );
}

/** Field names of the active cluster entry that differ (values stay unshown: the kubeconfig is secret). */
function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
    return CLUSTER_FIELDS.filter((f) => !same(a[f], b[f]));
}

export function kubernetesProviderDiff(
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    rule = KUBERNETES_PROVIDER_RULE,
): ProviderVerdict {
    const id = rule.identifier;
    const [oldId, newId] = [reveal(before[id]), reveal(after[id])];
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !same(before[k], after[k])).sort();
    const oldCluster = activeCluster(before);
    const newCluster = activeCluster(after);
    const moved = oldCluster && newCluster ? changedFields(oldCluster, newCluster) : [];
    const what = moved.length > 0 ? `the kubeconfig's active cluster changed (${moved.map((f) => `\`${f}\``).join(", ")})` : undefined;

    if (present(oldId) && present(newId) && !same(oldId, newId)) {
        return {
            replace: true,
            why: [id],
            reasons: [`\`${id}\` changed: pulumi-kubernetes replaces the provider and every resource it manages`],
        };
    }
    if (present(newId) && same(oldId, newId)) {
        return {
            replace: false,
            why: [],
            reasons: what
                ? [`${what}, but \`${id}\` is unchanged: pulumi-kubernetes updates the provider in place and replaces nothing`]
                : [],
        };
    }
    // No identifier, or it is being added or removed: the kubeconfig decides.
    const onboarding = present(newId) ? ` (\`${id}\` is only being added: it protects from the next change on)` : "";
    const unknown = rule.unknownReplaces.filter((k) => reveal(after[k]) === UNKNOWN);
    if (unknown.length > 0) {
        return {
            replace: true,
            why: unknown,
            reasons: [
                `${unknown.map((k) => `\`${k}\``).join(", ")} unknown until apply and no unchanged \`${id}\`: ` +
                    `pulumi-kubernetes replaces the provider${onboarding}`,
            ],
        };
    }
    const why = [
        ...rule.alwaysReplace.filter((k) => changed.includes(k)),
        ...(what ? rule.activeCluster.filter((k) => changed.includes(k)) : []),
    ];
    if (why.length === 0) return { replace: false, why: [], reasons: [] };
    const causes = [
        ...rule.alwaysReplace.filter((k) => changed.includes(k)).map((k) => `\`${k}\` changed`),
        ...(what ? [`${what} and no unchanged \`${id}\` is set`] : []),
    ];
    return {
        replace: true,
        why,
        reasons: [`${causes.join("; ")}: pulumi-kubernetes replaces the provider and every resource it manages${onboarding}`],
    };
}

/** The replacement verdict for a provider resource of any package (only Kubernetes has a rule). */
export function providerResourceDiff(
    type: string,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
): ProviderVerdict | undefined {
    return type === "pulumi:providers:kubernetes" ? kubernetesProviderDiff(before, after) : undefined;
}
