/**
 * Rollback guards for what goes backwards and does not come back cleanly, judged between what is
 * deployed (stack state, or the current code's synth when no backend is reachable) and what the
 * tag would deploy. Pure: resources are compared by logical identity (chart name, Kafka name,
 * container name), never by URN, so a change in how URNs are formed refuses nothing.
 *
 * - operator / CRD downgrades: Helm installs a chart's crds/ once and never changes them, so an
 *   older Strimzi or kube-prometheus-stack runs against newer CRDs (and stored objects in newer
 *   versions) it does not understand;
 * - Kafka version and metadata downgrades: in KRaft the metadata.version only moves forward, and
 *   older brokers refuse a newer one;
 * - provider / SDK downgrades: state written by a newer provider or engine may not be readable or
 *   may be rewritten lossily by an older one;
 * - unknown image tags: a tag's images must be release images (X.Y.Z); a `sha-` main build or an
 *   unparseable tag is not something a release can be trusted to hold.
 */
import { compareNumbers, parseTagVersion, splitImage } from "../release/versions";

/** A resource as both synth and stack state can show it. */
export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

export type GuardKind =
    "crd-downgrade" | "kafka-downgrade" | "provider-downgrade" | "unknown-image-tag" | import("../diff/irreversible").IrreversibleKind;

export interface Guard {
    readonly kind: GuardKind;
    readonly stack: string;
    readonly message: string;
}

/** Charts whose CRDs Helm never upgrades or downgrades, with what goes wrong. */
export const CRD_CHARTS: Record<string, string> = {
    "strimzi-kafka-operator": "the Strimzi operator: older operators do not know the newer CRD versions the Kafka resources are stored in",
    "kube-prometheus-stack": "the Prometheus operator: Helm never touches crds/, so the older operator would run against the newer CRDs",
};

const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const isRelease = (r: ResourceView) => r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart";
const lower = (a: string | undefined, b: string | undefined) => {
    const pa = a ? parseTagVersion(a) : undefined;
    const pb = b ? parseTagVersion(b) : undefined;
    return pa && pb ? compareNumbers(pb, pa) < 0 : false;
};

function chartVersions(resources: readonly ResourceView[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources.filter(isRelease)) {
        const chart = str(r.inputs.chart)?.split("/").pop();
        const version = str(r.inputs.version);
        if (chart && version) out.set(chart, version);
    }
    return out;
}

export function crdDowngrades(stack: string, deployed: readonly ResourceView[], target: readonly ResourceView[]): Guard[] {
    const before = chartVersions(deployed);
    const after = chartVersions(target);
    return Object.entries(CRD_CHARTS)
        .filter(([chart]) => lower(before.get(chart), after.get(chart)))
        .map(([chart, why]) => ({
            kind: "crd-downgrade" as const,
            stack,
            message:
                `${chart} would go from ${before.get(chart)} down to ${after.get(chart)}: ${why}. Roll forward ` +
                `instead, or downgrade the CRDs by hand first (kubectl apply the older chart's crds/).`,
        }));
}

function kafkas(resources: readonly ResourceView[]): Map<string, { version?: string; metadataVersion?: string }> {
    const out = new Map<string, { version?: string; metadataVersion?: string }>();
    for (const r of resources.filter(
        (r) => r.type === "kubernetes:kafka.strimzi.io/v1beta2:Kafka" || r.type === "kubernetes:kafka.strimzi.io/v1:Kafka",
    )) {
        const name = str(obj(r.inputs.metadata).name) ?? r.name;
        const kafka = obj(obj(r.inputs.spec).kafka);
        out.set(name, { version: str(kafka.version), metadataVersion: str(kafka.metadataVersion) });
    }
    return out;
}

export function kafkaDowngrades(stack: string, deployed: readonly ResourceView[], target: readonly ResourceView[]): Guard[] {
    const before = kafkas(deployed);
    const guards: Guard[] = [];
    for (const [name, after] of kafkas(target)) {
        const was = before.get(name);
        if (!was) continue;
        if (lower(was.version, after.version)) {
            guards.push({
                kind: "kafka-downgrade",
                stack,
                message:
                    `Kafka ${name} would go from ${was.version} down to ${after.version}: KRaft's metadata.version ` +
                    `(raised with the brokers) only moves forward, and older brokers refuse it. Roll forward, or restore ` +
                    `the cluster from backups.`,
            });
        }
        if (lower(was.metadataVersion, after.metadataVersion)) {
            guards.push({
                kind: "kafka-downgrade",
                stack,
                message:
                    `Kafka ${name} metadataVersion would go from ${was.metadataVersion} down to ` +
                    `${after.metadataVersion}: metadata.version downgrades are not supported.`,
            });
        }
    }
    return guards;
}

/** Package versions by name, e.g. the `dependencies` of package.json. */
export type Packages = Record<string, string>;

/** Pulumi SDK and providers the engine records state with. */
const PULUMI_PACKAGE = /^@pulumi\//;

export function providerDowngrades(stack: string, deployed: Packages, target: Packages): Guard[] {
    return Object.keys(target)
        .filter((p) => PULUMI_PACKAGE.test(p) && p !== "@pulumi/policy" && lower(deployed[p], target[p]))
        .map((p) => ({
            kind: "provider-downgrade" as const,
            stack,
            message:
                `${p} would go from ${deployed[p]} down to ${target[p]}: state written by the newer ` +
                `${p === "@pulumi/pulumi" ? "engine SDK" : "provider"} may not be read back (or be rewritten ` +
                `lossily) by the older one. Roll forward, or roll back with the newer versions pinned.`,
        }));
}

/** Container images of workloads and image-ish Helm values, by where they appear. */
function imagesOf(resources: readonly ResourceView[]): { where: string; image: string }[] {
    const out: { where: string; image: string }[] = [];
    const visit = (value: unknown, where: string) => {
        if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${where}[${i}]`));
        else if (value && typeof value === "object") {
            for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
                if (k === "image" && typeof v === "string") out.push({ where: `${where}.image`, image: v });
                else visit(v, `${where}.${k}`);
            }
        }
    };
    for (const r of resources)
        if (r.type.startsWith("kubernetes:apps/") || r.type.startsWith("kubernetes:batch/")) visit(obj(r.inputs.spec), `${r.name}.spec`);
    return out;
}

/** The tag's own images (`ownNames`: what the images workflow pushes, any registry) must be release tags. */
export function unknownImageTags(stack: string, target: readonly ResourceView[], ownNames: readonly string[]): Guard[] {
    const seen = new Set<string>();
    return imagesOf(target)
        .filter(({ image }) => ownNames.some((n) => splitImage(image).repository.endsWith(`/${n}`)))
        .filter(({ image }) => !seen.has(image) && seen.add(image) !== undefined)
        .filter(({ image }) => !/^\d+\.\d+\.\d+$/.test(splitImage(image).tag?.split("@")[0] ?? ""))
        .map(({ where, image }) => ({
            kind: "unknown-image-tag" as const,
            stack,
            message:
                `${where} = ${image}: not a release image (X.Y.Z). A sha- tag is a main build that no release ` +
                `vouches for; roll back to a tag whose stack files name release images.`,
        }));
}

export function renderGuards(guards: readonly Guard[]): string {
    return guards.map((g) => `  - [${g.kind}] ${g.stack}: ${g.message}`).join("\n");
}
