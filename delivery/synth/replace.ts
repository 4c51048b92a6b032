/**
 * Which input changes make the engine replace a resource: the provider's own rules at the pinned
 * version (tables in ./providers, read from each provider's source; see its README) plus the
 * resource's `replaceOnChanges` option. Pure; the synth records the result per resource and
 * the diff falls back to it for synth files written before the synth recorded it.
 */
import openstackTable from "../providers/tables/openstack.json";
import randomTable from "../providers/tables/random.json";
import tlsTable from "../providers/tables/tls.json";
import commandTable from "../providers/tables/command.json";
import kubernetesTable from "../providers/tables/kubernetes.json";

export interface ReplaceRule {
    /** Property path (`publicKey`, `networks[*].port`, `spec.storageClassName`). */
    readonly path: string;
    /** `provider`: the provider replaces on it; `replaceOnChanges`: the resource option says so. */
    readonly source: "provider" | "replaceOnChanges";
}

type Rules = Record<string, readonly { path: string; when?: string }[]>;

const BY_PACKAGE: Record<string, Rules> = {
    openstack: openstackTable.resources as Rules,
    random: randomTable.resources as Rules,
    tls: tlsTable.resources as Rules,
    command: commandTable.resources as Rules,
};

interface KubernetesTable {
    readonly kinds: Record<string, string[]>;
    readonly metadata: string[];
    readonly secret: string[];
    readonly configMap: string[];
    readonly resources: Rules;
}
const K8S = kubernetesTable as unknown as KubernetesTable;

/** The provider settings that change Kubernetes replace rules (from the provider resource's inputs). */
export interface KubernetesProviderSettings {
    readonly enableSecretMutable?: boolean;
    readonly enableConfigMapMutable?: boolean;
}

function truthy(value: unknown): boolean {
    return value === true || value === "true";
}

/** Kubernetes provider settings from a `pulumi:providers:kubernetes` resource's inputs. */
export function kubernetesSettings(inputs: Record<string, unknown> | undefined): KubernetesProviderSettings {
    return { enableSecretMutable: truthy(inputs?.enableSecretMutable), enableConfigMapMutable: truthy(inputs?.enableConfigMapMutable) };
}

/** `kubernetes:apps/v1:Deployment` → `apps/v1/Deployment`; the core group is `core`. */
function gvk(type: string): { key: string; kind: string; group: string } | undefined {
    const m = /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(type);
    if (!m) return undefined;
    return { key: `${m[1]}/${m[2]}/${m[3]}`, kind: m[3], group: m[1] };
}

function kubernetesPaths(type: string, inputs: Record<string, unknown>, settings: KubernetesProviderSettings): string[] {
    const helm = K8S.resources[type];
    if (helm) return helm.map((r) => r.path);
    const id = gvk(type);
    if (!id) return [];
    // Patch resources are updated in place except for their identity.
    if (id.kind.endsWith("Patch")) return [...K8S.metadata];
    const immutable = truthy(inputs.immutable);
    const paths = [...K8S.metadata];
    if (id.key === "core/v1/Secret" && (!settings.enableSecretMutable || immutable)) paths.push(...K8S.secret);
    else if (K8S.kinds[id.key]) paths.push(...K8S.kinds[id.key]);
    else if (id.key === "core/v1/ConfigMap" && (!settings.enableConfigMapMutable || immutable)) paths.push(...K8S.configMap);
    return paths;
}

/** Input paths whose change makes the provider replace a resource of this type. */
export function providerReplacePaths(
    type: string,
    inputs: Record<string, unknown> = {},
    settings: KubernetesProviderSettings = {},
): string[] {
    const pkg = type.split(":")[0];
    if (pkg === "kubernetes") return kubernetesPaths(type, inputs, settings);
    return (BY_PACKAGE[pkg]?.[type] ?? []).filter((r) => !r.when || !r.when.startsWith("customdiff.ForceNewIfChange")).map((r) => r.path);
}

/** Every replace rule of a resource: the provider's, then its replaceOnChanges option. */
export function replaceRules(
    resource: {
        readonly type: string;
        readonly custom: boolean;
        readonly inputs: Record<string, unknown>;
        readonly options: { readonly replaceOnChanges: readonly string[] };
    },
    settings: KubernetesProviderSettings = {},
): ReplaceRule[] {
    if (!resource.custom) return [];
    const rules: ReplaceRule[] = providerReplacePaths(resource.type, resource.inputs, settings).map((path) => ({
        path,
        source: "provider",
    }));
    for (const path of resource.options.replaceOnChanges) rules.push({ path, source: "replaceOnChanges" });
    return rules;
}

/** Where each table came from, for docs and reports. */
export const TABLE_ORIGINS = {
    openstack: openstackTable.origin,
    random: randomTable.origin,
    tls: tlsTable.origin,
    command: commandTable.origin,
    kubernetes: kubernetesTable.origin,
};
