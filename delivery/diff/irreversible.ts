/**
 * Changes that do not come back, judged between what is deployed (or the base of a diff) and what
 * would be applied, by logical identity (names, charts, metadata), never by URN. The one rule
 * set behind `npm run diff` (marked in the report and the PR comment), `npm run up` (refused
 * without `--allow <kind>`) and `npm run rollback` (delivery/rollback/downgrades.ts adds the
 * rollback-only guards and runs these too).
 */
import { LAYERS } from "../../lib/layers";
import { credentialGeneration } from "./backupWarnings";
import { compareK3s, compareNumbers, parseK3sVersion, parseTagVersion, splitImage } from "../release/versions";

/** A resource as both synth and stack state show it (the shape of downgrades.ts' ResourceView). */
export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

export type IrreversibleKind =
    | "kafka-partitions-decrease"
    | "kafka-downgrade"
    | "operator-downgrade"
    | "postgres-downgrade"
    | "airflow-downgrade"
    | "k3s-downgrade"
    | "k3s-minor-jump"
    | "volume-shrink"
    | "server-count-decrease"
    | "ssh-key-existing-nodes"
    | "backup-credential-retired";

export interface Irreversible {
    readonly kind: IrreversibleKind;
    readonly stack: string;
    /** What changes and what would be lost. */
    readonly message: string;
}

/** One line per kind: what it is, for docs and the refusal message. */
export const IRREVERSIBLE_KINDS: Readonly<Record<IrreversibleKind, string>> = {
    "kafka-partitions-decrease": "a Kafka topic's partitions lowered (Kafka cannot remove partitions)",
    "kafka-downgrade": "Kafka or its metadata.version lowered (KRaft metadata only moves forward)",
    "operator-downgrade": "Strimzi or kube-prometheus-stack lowered (Helm never downgrades their CRDs)",
    "postgres-downgrade": "a PostgreSQL image lowered (a data directory is not readable by an older major)",
    "airflow-downgrade": "Airflow (chart or image) lowered (its metadata schema only migrates forward)",
    "k3s-downgrade": "k3s lowered (its datastore migrations only go forward)",
    "k3s-minor-jump": "k3s raised by more than one minor version (Kubernetes supports one minor at a time)",
    "volume-shrink": "a PVC or Kafka volume made smaller (volumes only grow)",
    "server-count-decrease": "fewer k3s servers in a production environment (HA and etcd quorum margin lost)",
    "ssh-key-existing-nodes": "an SSH key change, which reaches only nodes created from now on",
    "backup-credential-retired": "a backup EC2 credential deleted (retired or its owner changed): every writer still holding it fails",
};

const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined =>
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
const metaName = (r: ResourceView) => str(obj(r.inputs.metadata).name) ?? r.name;
const lower = (a?: string, b?: string) => {
    const pa = a ? parseTagVersion(a) : undefined;
    const pb = b ? parseTagVersion(b) : undefined;
    return pa !== undefined && pb !== undefined && compareNumbers(pb, pa) < 0;
};

function byKey(resources: readonly ResourceView[], pick: (r: ResourceView) => string | undefined): Map<string, ResourceView> {
    const out = new Map<string, ResourceView>();
    for (const r of resources) {
        const k = pick(r);
        if (k !== undefined) out.set(k, r);
    }
    return out;
}

function kafkaPartitions(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const topics = (rs: readonly ResourceView[]) =>
        byKey(rs, (r) => (/^kubernetes:kafka\.strimzi\.io\/v\w+:KafkaTopic$/.test(r.type) ? metaName(r) : undefined));
    const was = topics(before);
    const out: Irreversible[] = [];
    for (const [name, t] of topics(after)) {
        const a = num(obj(was.get(name)?.inputs.spec).partitions);
        const b = num(obj(t.inputs.spec).partitions);
        if (a !== undefined && b !== undefined && b < a) {
            out.push({
                kind: "kafka-partitions-decrease",
                stack,
                message:
                    `topic ${name}: partitions ${a} → ${b}. Kafka cannot remove partitions (the operator reports the ` +
                    `topic NotReady and keeps ${a}); lowering needs a new topic and a migration of its data.`,
            });
        }
    }
    return out;
}

/** Images of workloads by `<resource> <container>`. */
function containerImages(resources: readonly ResourceView[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        if (!/^kubernetes:(apps|batch)\/v1:/.test(r.type)) continue;
        const spec = obj(r.inputs.spec);
        const pod = obj(obj(spec.template ?? obj(obj(spec.jobTemplate).spec).template).spec);
        for (const c of [
            ...(Array.isArray(pod.containers) ? pod.containers : []),
            ...(Array.isArray(pod.initContainers) ? pod.initContainers : []),
        ]) {
            const image = str(obj(c).image);
            if (image) out.set(`${r.name} ${str(obj(c).name) ?? "?"}`, image);
        }
    }
    return out;
}

function postgresDowngrades(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const was = containerImages(before);
    const out: Irreversible[] = [];
    for (const [where, image] of containerImages(after)) {
        const old = was.get(where);
        const { repository, tag } = splitImage(image);
        if (!old || !/(^|\/)postgres(ql)?$/.test(repository) || splitImage(old).repository !== repository) continue;
        if (lower(splitImage(old).tag, tag)) {
            out.push({
                kind: "postgres-downgrade",
                stack,
                message:
                    `${where.split(" ")[0]}: ${old} → ${image}. An older PostgreSQL does not open a newer major's data ` +
                    `directory (and a minor downgrade skips its fixes); restore a dump into the older version instead.`,
            });
        }
    }
    return out;
}

function helmReleases(resources: readonly ResourceView[]): Map<string, ResourceView> {
    return byKey(resources, (r) =>
        /^kubernetes:helm\.sh\/v\d+:(Release|Chart)$/.test(r.type) ? str(r.inputs.chart)?.split("/").pop() : undefined,
    );
}

function airflowDowngrades(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const a = helmReleases(before).get("airflow");
    const b = helmReleases(after).get("airflow");
    if (!a || !b) return [];
    const pick = (r: ResourceView, path: string[]) => path.reduce<unknown>((v, k) => obj(v)[k], r.inputs);
    const down: string[] = [];
    for (const path of [
        ["version"],
        ["values", "airflowVersion"],
        ["values", "defaultAirflowTag"],
        ["values", "images", "airflow", "tag"],
    ]) {
        const va = pick(a, path);
        const vb = pick(b, path);
        if (
            (typeof va === "string" || typeof va === "number") &&
            (typeof vb === "string" || typeof vb === "number") &&
            lower(String(va), String(vb))
        )
            down.push(`${path.join(".")} ${String(va)} → ${String(vb)}`);
    }
    return down.length === 0
        ? []
        : [
              {
                  kind: "airflow-downgrade",
                  stack,
                  message:
                      `Airflow goes back (${down.join(", ")}): its metadata database was migrated forward and the older ` +
                      `Airflow does not run on it; restore the pre-upgrade metadata dump with the old image, or roll forward.`,
              },
          ];
}

function k3sVersions(resources: readonly ResourceView[]): string[] {
    return resources
        .map((r) => str(obj(r.inputs.metadata)["k3s-version"]))
        .filter((v): v is string => v !== undefined && parseK3sVersion(v) !== undefined);
}

function k3sChanges(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const newest = (vs: string[]) => vs.sort((x, y) => compareK3s(parseK3sVersion(y)!, parseK3sVersion(x)!))[0];
    const now = newest(k3sVersions(before));
    const then = newest(k3sVersions(after));
    if (!now || !then) return [];
    const a = parseK3sVersion(now)!;
    const b = parseK3sVersion(then)!;
    if (compareK3s(b, a) < 0)
        return [
            {
                kind: "k3s-downgrade",
                stack,
                message:
                    `k3s ${now} → ${then}: k3s does not support downgrades (datastore migrations only go forward); keep ` +
                    `${now} and roll forward with a fix.`,
            },
        ];
    if (b.major === a.major && b.minor - a.minor > 1) {
        return [
            {
                kind: "k3s-minor-jump",
                stack,
                message:
                    `k3s ${now} → ${then} skips ${b.minor - a.minor - 1} minor version(s): Kubernetes upgrades one minor ` +
                    `at a time; go to v${a.major}.${a.minor + 1} first, then on.`,
            },
        ];
    }
    return [];
}

/** Storage sizes in bytes (`10Gi`) or GB (OpenStack volume `size`). */
function bytes(v: unknown): number | undefined {
    if (typeof v === "number") return v * 1e9;
    const m = typeof v === "string" ? /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(v) : null;
    return m ? Number(m[1]) * 1024 ** ["", "Ki", "Mi", "Gi", "Ti"].indexOf(m[2] ?? "") : undefined;
}

function volumeSizes(resources: readonly ResourceView[]): Map<string, { size: unknown; what: string }> {
    const out = new Map<string, { size: unknown; what: string }>();
    for (const r of resources) {
        if (r.type === "kubernetes:core/v1:PersistentVolumeClaim")
            out.set(`pvc ${metaName(r)}`, { size: obj(obj(obj(r.inputs.spec).resources).requests).storage, what: `PVC ${metaName(r)}` });
        if (/KafkaNodePool$/.test(r.type)) {
            const vols = obj(obj(r.inputs.spec).storage).volumes;
            (Array.isArray(vols) ? vols : []).forEach((v, i) =>
                out.set(`kafka ${metaName(r)} ${i}`, { size: obj(v).size, what: `Kafka node pool ${metaName(r)} volume ${i}` }),
            );
        }
        if (r.type === "openstack:blockstorage/volume:Volume")
            out.set(`volume ${r.name}`, { size: r.inputs.size, what: `Cinder volume ${r.name}` });
    }
    return out;
}

function volumeShrinks(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const was = volumeSizes(before);
    const out: Irreversible[] = [];
    for (const [k, v] of volumeSizes(after)) {
        const old = was.get(k);
        const a = old ? bytes(old.size) : undefined;
        const b = bytes(v.size);
        if (a !== undefined && b !== undefined && b < a)
            out.push({
                kind: "volume-shrink",
                stack,
                message:
                    `${v.what}: ${String(old!.size)} → ${String(v.size)}. Volumes only grow: the API refuses the smaller ` +
                    `size, and replacing the volume loses its data.`,
            });
    }
    return out;
}

function servers(resources: readonly ResourceView[]): number {
    return resources.filter((r) => r.type === "openstack:compute/instance:Instance" && obj(r.inputs.metadata).role === "server").length;
}

function serverCount(stack: string, env: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const a = servers(before);
    const b = servers(after);
    if (!/^prod(uction)?(-.*)?$/.test(env) || b >= a || b === 0) return [];
    return [
        {
            kind: "server-count-decrease",
            stack,
            message:
                `k3s servers ${a} → ${b} in ${env}: etcd ` +
                `${b === 1 ? "loses HA entirely (one server, no quorum margin)" : `tolerates ${Math.floor((b - 1) / 2)} failure(s) instead of ${Math.floor((a - 1) / 2)}`}; removed ` +
                `members must leave etcd cleanly, one at a time.`,
        },
    ];
}

function sshKeys(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const key = (rs: readonly ResourceView[]) =>
        rs
            .filter((r) => r.type === "openstack:compute/keypair:Keypair" && !/ci-runner/.test(r.name))
            .map((r) => str(r.inputs.publicKey))
            .find(Boolean);
    const a = key(before);
    const b = key(after);
    if (!a || !b || a.trim() === b.trim()) return [];
    const nodes = after.filter(
        (r) => r.type === "openstack:compute/instance:Instance" && before.some((x) => x.type === r.type && x.name === r.name),
    ).length;
    return [
        {
            kind: "ssh-key-existing-nodes",
            stack,
            message:
                `the SSH key pair changes, but OpenStack injects a key only when a VM is created: the ${nodes} ` +
                `existing node(s) keep accepting the OLD key (and only it) until each is replaced. To roll it out: ` +
                `add the new key on the nodes first (ssh with the old key, append it to the default user's ` +
                `~/.ssh/authorized_keys), or replace the nodes one at a time (npm run up after a node's image or ` +
                `flavor change, or pulumi up --replace on each node); then remove the old key.`,
        },
    ];
}

function backupCredentials(stack: string, before: readonly ResourceView[], after: readonly ResourceView[]): Irreversible[] {
    const ec2 = (rs: readonly ResourceView[]) =>
        rs.filter((r) => r.type === "openstack:identity/ec2CredentialV3:Ec2CredentialV3" && credentialGeneration(r.name) !== undefined);
    // Same name with another owner project is a replacement: the old key is deleted all the same.
    const kept = new Set(ec2(after).map((r) => `${r.name} ${str(r.inputs.projectId) ?? ""}`));
    const gone = ec2(before).filter((r) => !kept.has(`${r.name} ${str(r.inputs.projectId) ?? ""}`));
    if (gone.length === 0) return [];
    const successors = ec2(after).filter(
        (r) => !ec2(before).some((b) => b.name === r.name && str(b.inputs.projectId) === str(r.inputs.projectId)),
    );
    return [
        {
            kind: "backup-credential-retired",
            stack,
            message:
                `backup credential ${gone.map((r) => r.name).join(", ")} is deleted in Keystone: a writer still ` +
                `holding it (a server not yet replaced, the apps layer's dump Secrets before that layer's next up) ` +
                `fails from then ` +
                `on${successors.length > 0 ? `; its successor ${successors.map((r) => r.name).join(", ")} is created in the same plan, so there is no overlap. Keep both generations for one round instead` : ""} (docs/security.md, ` +
                `"Who owns the backup credential, and rotating it").`,
        },
    ];
}

/** Every irreversible change between `before` (deployed or base) and `after` (what would be applied). */
export function irreversibleChanges(
    stack: string,
    env: string,
    before: readonly ResourceView[],
    after: readonly ResourceView[],
): Irreversible[] {
    return [
        ...kafkaPartitions(stack, before, after),
        ...postgresDowngrades(stack, before, after),
        ...airflowDowngrades(stack, before, after),
        ...k3sChanges(stack, before, after),
        ...volumeShrinks(stack, before, after),
        ...serverCount(stack, env, before, after),
        ...sshKeys(stack, before, after),
        ...backupCredentials(stack, before, after),
    ];
}

/** The environment of a `<env>-<layer>` stack (the stack name itself when it has no layer suffix). */
export function stackEnvironment(stack: string): string {
    const layer = LAYERS.find((l) => stack.endsWith(`-${l}`));
    return layer ? stack.slice(0, -(layer.length + 1)) : stack;
}

/** The offline diff's findings: between a stack's synth at the base and at the head (both present). */
export function irreversibleBetween(
    base: { stack: string; resources: readonly ResourceView[] } | undefined,
    head: { resources: readonly ResourceView[] } | undefined,
): Irreversible[] {
    return base && head ? irreversibleChanges(base.stack, stackEnvironment(base.stack), base.resources, head.resources) : [];
}

/** Findings not covered by `allowed` (kinds named with `--allow`). */
export function refused(findings: readonly Irreversible[], allowed: readonly string[]): Irreversible[] {
    return findings.filter((f) => !allowed.includes(f.kind));
}

export function renderIrreversible(findings: readonly Irreversible[], allowed: readonly string[] = []): string {
    return findings.map((f) => `  - [${f.kind}]${allowed.includes(f.kind) ? " (allowed)" : ""} ${f.stack}: ${f.message}`).join("\n");
}

/** What only a rollback can find (delivery/rollback/rollback.ts, delivery/rollback/downgrades.ts), also allowed by name. */
export const ROLLBACK_KINDS = [
    "stateful",
    "storage-change",
    "schema-rollback",
    "schema-unknown",
    "crd-downgrade",
    "provider-downgrade",
    "unknown-image-tag",
] as const;

/** Every kind `--allow` accepts. */
export const OVERRIDE_KINDS: readonly string[] = [...Object.keys(IRREVERSIBLE_KINDS), ...ROLLBACK_KINDS];

/** up's pre-apply verdict: the text to show, and whether to stop (anything not allowed, unless only previewing). */
export function gate(findings: readonly Irreversible[], allow: readonly string[], previewOnly: boolean): { stop: boolean; text?: string } {
    if (findings.length === 0) return { stop: false };
    const stop = refused(findings, allow);
    const text = `IRREVERSIBLE: ${findings.length} change(s) that do not come back:\n${renderIrreversible(findings, allow)}`;
    if (stop.length > 0 && !previewOnly)
        return {
            stop: true,
            text: `${text}\nRefused; nothing applied. If you mean it, re-run with --allow ${[...new Set(stop.map((f) => f.kind))].join(",")}.`,
        };
    return { stop: false, text };
}

/** The PR comment's section naming each irreversible change (empty when there is none). */
export function irreversibleMarkdown(findings: readonly Irreversible[], allow: readonly string[]): string {
    if (findings.length === 0) return "";
    return `\n### ⛔ Irreversible changes\n\n${findings.map((f) => `- **${f.kind}**${allow.includes(f.kind) ? " (allowed)" : ""} \`${f.stack}\`: ${f.message}`).join("\n")}\n`;
}

/** `--allow a,b`: each must be a kind. */
export function parseAllow(text: string | undefined): { kinds: string[]; problem?: string } {
    const kinds = (text ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    const bad = kinds.filter((k) => !OVERRIDE_KINDS.includes(k));
    return bad.length
        ? { kinds, problem: `--allow ${bad.join(",")}: not a kind of refused change; use one of ${OVERRIDE_KINDS.join(", ")}` }
        : { kinds };
}
