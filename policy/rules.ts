/**
 * The project's rules as pure functions over a resource's type and inputs: the policy pack
 * (index.ts) runs them under `pulumi preview --policy-pack policy`, the tests run them on synth
 * output. Each returns the violations it finds, as messages; none means compliant.
 *
 * Secrets: synth marks them `{"@secret": value}`. The policy runtime hands rules plain values
 * (secretness is not visible to analyzers), so `knowsSecrets` tells the rules whether an
 * unmarked value really is plaintext.
 */
import { pinnedImage } from "../lib/config/imageRef";

export interface ResourceLike {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

export interface RuleOptions {
    /** True when secret values are marked (`{"@secret": ...}`), as in synth output. */
    readonly knowsSecrets: boolean;
}

const SECRET = "@secret";
const isMarkedSecret = (v: unknown) => v !== null && typeof v === "object" && SECRET in (v as object);
const obj = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]);

/** `kubernetes:apps/v1:Deployment` → `Deployment`; undefined for non-Kubernetes types. */
function kubeKind(type: string): string | undefined {
    return type.startsWith("kubernetes:") ? type.split(":").pop() : undefined;
}

/** The pod spec of a workload's inputs (CronJob, Job/Deployment-style templates, bare Pod). */
function podSpec(kind: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const spec = obj(inputs.spec);
    if (kind === "Pod") return spec;
    if (kind === "CronJob") return obj(obj(obj(obj(spec.jobTemplate).spec).template).spec);
    return obj(obj(spec.template).spec);
}

function containersOf(resource: ResourceLike): Record<string, unknown>[] {
    const kind = kubeKind(resource.type);
    if (!kind || !WORKLOAD_KINDS.has(kind)) return [];
    const pod = podSpec(kind, resource.inputs);
    return [...arr(pod.initContainers), ...arr(pod.containers), ...arr(pod.ephemeralContainers)].map(obj);
}

/**
 * Why an image reference is not pinned, or undefined when it is: the config reader's own rule
 * (a tag with a version in it, not a major version alone, or a digest), so what config refuses
 * the pack refuses in rendered objects too.
 */
export function unpinnedImage(image: string): string | undefined {
    return pinnedImage(image);
}

/** Every container image of a workload, and every image in a Helm release's values, is pinned; charts have a version. */
export function pinnedImages(resource: ResourceLike): string[] {
    const out: string[] = [];
    for (const c of containersOf(resource)) {
        const image = c.image;
        if (typeof image !== "string") continue;
        const why = unpinnedImage(image);
        if (why) out.push(`${resource.name}: container "${String(c.name)}" image ${image} ${why}; pin a version tag or a digest`);
    }
    if (resource.type === "kubernetes:helm.sh/v3:Release" || resource.type === "kubernetes:helm.sh/v4:Chart") {
        if (typeof resource.inputs.version !== "string" || resource.inputs.version === "") {
            out.push(`${resource.name}: Helm chart ${String(resource.inputs.chart)} has no pinned version`);
        }
        walkValues(resource.inputs.values, "values", (path, key, value, parent) => {
            if (key === "tag" && ("repository" in parent || "registry" in parent) && typeof value === "string" && !/^sha256:/.test(value)) {
                const why = unpinnedImage(`image:${value}`);
                if (why) out.push(`${resource.name}: ${path} = ${value} ${why.replace(/"image:/g, '"')}`);
            }
            if (key === "image" && typeof value === "string") {
                const why = unpinnedImage(value);
                if (why) out.push(`${resource.name}: ${path} = ${value} ${why}`);
            }
        });
    }
    return out;
}

function walkValues(
    value: unknown,
    path: string,
    visit: (path: string, key: string, value: unknown, parent: Record<string, unknown>) => void,
): void {
    if (isMarkedSecret(value)) return;
    if (Array.isArray(value)) value.forEach((v, i) => walkValues(v, `${path}[${i}]`, visit));
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            visit(`${path}.${k}`, k, v, value as Record<string, unknown>);
            walkValues(v, `${path}.${k}`, visit);
        }
    }
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);
const GUARDED_PORTS: [number, string][] = [
    [22, "SSH"],
    [6443, "the Kubernetes API"],
];

/** No security-group rule lets the whole internet reach SSH (22) or the Kubernetes API (6443). */
export function noWorldOpenAdminPorts(resource: ResourceLike): string[] {
    if (resource.type !== "openstack:networking/secGroupRule:SecGroupRule") return [];
    const r = resource.inputs;
    if ((r.direction ?? "ingress") !== "ingress") return [];
    const prefix = typeof r.remoteIpPrefix === "string" ? r.remoteIpPrefix : undefined;
    // Neither a prefix nor a remote group: OpenStack applies the rule to every source.
    const fromAnywhere = prefix ? WORLD.has(prefix) : r.remoteGroupId === undefined || r.remoteGroupId === null || r.remoteGroupId === "";
    if (!fromAnywhere) return [];
    const protocol = typeof r.protocol === "string" ? r.protocol.toLowerCase() : undefined;
    if (protocol !== undefined && protocol !== "tcp" && protocol !== "6") return [];
    const min = typeof r.portRangeMin === "number" && r.portRangeMin > 0 ? r.portRangeMin : 1;
    const max = typeof r.portRangeMax === "number" && r.portRangeMax > 0 ? r.portRangeMax : 65535;
    return GUARDED_PORTS.filter(([port]) => min <= port && port <= max).map(
        ([port, what]) => `${resource.name}: ${what} (${port}/tcp) is open to ${prefix ?? "every source"}; allow the admin CIDRs only`,
    );
}

// "auth" alone, or as a suffix (basic_auth, authorization); not settings like auth_manager.
const SECRET_NAME = /pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|(^|[-_])auth(orization)?$/i;
const WEAK_VALUES = new Set(["changeme", "change-me", "password", "admin", "secret", "123456", "root"]);

/** No secret-looking value in plaintext: container env, Kubernetes Secrets, Helm values. */
export function noPlaintextSecrets(resource: ResourceLike, options: RuleOptions): string[] {
    const out: string[] = [];
    for (const c of containersOf(resource)) {
        for (const e of arr(c.env).map(obj)) {
            const name = String(e.name ?? "");
            if (SECRET_NAME.test(name) && e.value !== undefined && e.value !== "") {
                out.push(`${resource.name}: env ${name} of container "${String(c.name)}" is a literal value; use valueFrom.secretKeyRef`);
            }
        }
    }
    const plaintext = (v: unknown) => typeof v === "string" && v !== "" && (options.knowsSecrets || WEAK_VALUES.has(v.toLowerCase()));
    if (kubeKind(resource.type) === "Secret" && resource.type.startsWith("kubernetes:core/")) {
        for (const field of ["stringData", "data"]) {
            const data = resource.inputs[field];
            if (isMarkedSecret(data)) continue;
            for (const [k, v] of Object.entries(obj(data))) {
                if (plaintext(v))
                    out.push(`${resource.name}: ${field}.${k} is not a Pulumi secret; wrap it in pulumi.secret() (or generate it)`);
            }
        }
    }
    if (resource.type === "kubernetes:helm.sh/v3:Release") {
        walkValues(resource.inputs.values, "values", (path, key, value) => {
            if (SECRET_NAME.test(key) && !/existing|ref|name|file|key$|enabled/i.test(key) && plaintext(value)) {
                out.push(`${resource.name}: ${path} is a plaintext secret; pass it with pulumi.secret() or an existingSecret`);
            }
        });
    }
    return out;
}

export interface RuleDefinition {
    readonly name: string;
    readonly description: string;
    readonly check: (resource: ResourceLike, options: RuleOptions) => string[];
}

export const RULES: readonly RuleDefinition[] = [
    {
        name: "pinned-images",
        description: "Container images and Helm chart images are pinned to a version tag or digest; charts have a version.",
        check: (r) => pinnedImages(r),
    },
    {
        name: "no-world-open-admin-ports",
        description: "No security-group rule opens SSH (22) or the Kubernetes API (6443) to the world.",
        check: (r) => noWorldOpenAdminPorts(r),
    },
    {
        name: "no-plaintext-secrets",
        description: "No secret-looking value in plaintext in Kubernetes Secrets, container env or Helm values.",
        check: noPlaintextSecrets,
    },
];

/** Every violation of every rule in a set of resources (e.g. a synth's). */
export function checkAll(resources: readonly ResourceLike[], options: RuleOptions): { rule: string; message: string }[] {
    return resources.flatMap((r) => RULES.flatMap((rule) => rule.check(r, options).map((message) => ({ rule: rule.name, message }))));
}
