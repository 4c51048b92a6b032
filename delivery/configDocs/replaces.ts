/**
 * Which infra keys replace nodes when changed, measured rather than written down: a node is
 * replaced exactly when its name changes (the name hashes image, flavor, user-data and the
 * cluster-wide settings; infra/nodes.ts), so each key is changed in the reference
 * configurations and the names of the nodes that already existed are compared.
 */
import { generateKeyPairSync } from "crypto";
import { parseInfraConfig, InfraConfig } from "../../infra/config";
import { nodeName, planNodes } from "../../infra/nodes";
import { K3S_RELEASES } from "../../infra/k3sReleases";
import { strictLookup, ConfigValidationError } from "../../lib/config/reader";
import type { KeyRef } from "./collect";
import { NAMESPACE } from "./collect";
import type { Variant } from "./variants";

/**
 * A CA certificate to try as `k3sMirrorCaCert` (the reader parses it and wants CA:TRUE). Only
 * the certificate: its key was discarded when it was made, so it can sign nothing.
 */
const PROBE_CA_CERT = `-----BEGIN CERTIFICATE-----
MIIBpjCCAUugAwIBAgIUcQZ31RuDRvJclXKcAugdBfK4LMkwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUY29uZmlnLWRvY3MgcHJvYmUgQ0EwIBcNMjYxMjA2MDI1ODI4
WhgPMjEyNjExMTIwMjU4MjhaMB8xHTAbBgNVBAMMFGNvbmZpZy1kb2NzIHByb2Jl
IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUAT4oc8fCd2KcEAXEbBJTT0g
tQKQQNoWZJAGZz5n75Xi8f/5zUjo8QnpnK3s7NcdrbM8dTzR5tv7y/7komDaHqNj
MGEwHQYDVR0OBBYEFNikG719yNC5S+xI4R5HODgHgevqMB8GA1UdIwQYMBaAFNik
G719yNC5S+xI4R5HODgHgevqMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD
AgIEMAoGCCqGSM49BAMCA0kAMEYCIQCCGCvFJLo5y+5BIDtKH5kKTNdGAm7rjhVb
oytKR+3vlwIhALwGKOihJ0OGlfOlH6wnNX7/m04M0UVGZ47T70ddPl9w
-----END CERTIFICATE-----`;

/** Values to try for free-text keys (only inputs of the measurement; the reader judges each). */
function probes(): Record<string, string[]> {
    const { publicKey } = generateKeyPairSync("ed25519");
    const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.from([0, 0, 0, 32]), raw]);
    return {
        k3sVersion: Object.keys(K3S_RELEASES),
        image: ["Debian 13"],
        serverImage: ["Debian 13"],
        agentImage: ["Debian 13"],
        serverFlavor: ["mb1.xlarge"],
        agentFlavor: ["mb1.xlarge"],
        sshPublicKey: [`ssh-ed25519 ${blob.toString("base64")} other`],
        etcdSnapshotSchedule: ["30 */4 * * *"],
        openstackAuthUrl: ["https://identity.example.org/v3"],
        openstackRegion: ["RegionTwo"],
        externalNetwork: ["ext-net"],
        networkName: ["other-net"],
        subnetCidr: ["10.1.0.0/24"],
        serverLabels: [JSON.stringify({ tier: "control" })],
        agentLabels: [JSON.stringify({ tier: "batch" })],
        availabilityZones: [JSON.stringify(["az-1", "az-2", "az-4"])],
        dnsNameservers: [JSON.stringify(["9.9.9.9"])],
        adminCidrs: [JSON.stringify(["198.51.100.0/25"])],
        ingressCidrs: [JSON.stringify(["198.51.100.0/24"])],
        backupStore: [JSON.stringify({ endpoint: "https://s3.example.org", bucket: "other-backups", region: "eu-2", create: true })],
        k3sMirrorUrl: ["https://mirror2.example.org/k3s"],
        k3sMirrorCaCert: [PROBE_CA_CERT],
        agentPools: [JSON.stringify({ default: { flavor: "mb1.xlarge", count: 2 } })],
        nodeOverrides: [JSON.stringify({ "agent-0": { image: "Debian 13" } })],
        revokedAdminGroups: [JSON.stringify(["admins"])],
    };
}

function parse(values: Record<string, string>, secrets: readonly string[]): InfraConfig | undefined {
    const lookup = strictLookup(
        (k) => values[k],
        () => Object.keys(values).map((k) => `${NAMESPACE}:${k}`),
        "probe",
        { isSecret: (k) => secrets.includes(k) },
    );
    try {
        return parseInfraConfig(lookup, NAMESPACE, "probe");
    } catch (err) {
        if (err instanceof ConfigValidationError) return undefined;
        throw err;
    }
}

const names = (cfg: InfraConfig) => new Map(planNodes(cfg).map((s) => [s.key, { role: s.role, name: nodeName(cfg, s) }]));

/** Alternatives to the value a variant has (or the default): from the reader's own records. */
function alternatives(ref: KeyRef, current: string | undefined, extra: Record<string, string[]>): string[] {
    const u = ref.uses.find((x) => x.kind === ref.kind)!;
    const base = current ?? (u.default !== undefined ? (typeof u.default === "string" ? u.default : JSON.stringify(u.default)) : undefined);
    const out: string[] = [...(extra[ref.key] ?? [])];
    if (ref.kind === "boolean") out.push(base === "true" ? "false" : "true");
    if (ref.kind === "oneOf") out.push(...(u.values ?? []));
    if (ref.kind === "integer") {
        const n = Number(base ?? u.min ?? 0);
        out.push(
            ...[n + 1, n + 2, n - 1].filter((v) => (u.min === undefined || v >= u.min) && (u.max === undefined || v <= u.max)).map(String),
        );
    }
    return out.filter((v) => v !== base);
}

/** Per infra key: "every node", "the servers" or "the agents", when a change of it replaces existing nodes. */
export function nodeReplacingKeys(refs: readonly KeyRef[], variants: readonly Variant[]): Record<string, string> {
    const extra = probes();
    const hit = new Map<string, Set<string>>();
    for (const variant of variants) {
        const secrets = variant.secrets ?? [];
        const before = parse({ ...variant.values }, secrets);
        if (!before) throw new Error(`reference configuration ${variant.name} is refused`);
        const was = names(before);
        for (const ref of refs) {
            if (ref.secret) continue;
            for (const value of alternatives(ref, variant.values[ref.key], extra)) {
                const after = parse({ ...variant.values, [ref.key]: value }, secrets);
                if (!after) continue;
                const now = names(after);
                for (const [slot, { role, name }] of was) {
                    if (now.has(slot) && now.get(slot)!.name !== name)
                        (hit.get(ref.key) ?? hit.set(ref.key, new Set()).get(ref.key)!).add(role);
                }
            }
        }
    }
    return Object.fromEntries(
        [...hit].map(([key, roles]) => [key, roles.size === 2 ? "every node" : roles.has("server") ? "the servers" : "the agents"]),
    );
}
