/**
 * Renders the nodes of a stack for booting: the stack's real config (plus the boot suite's
 * overrides, e.g. k3sInstall: mirror), the infra layer's own planning and rendering functions
 * (planNodes, nodeName, buildNodeSpec, renderUserData), and addresses the way Neutron would
 * hand them out on the node subnet. CA material is real (openssl), tokens random.
 */
import { randomBytes } from "node:crypto";
import { parse } from "yaml";
import { parseInfraConfig, InfraConfig } from "../../../infra/config";
import type { ClusterCaFiles, NodeSecrets } from "../../../infra/cloudinit";
import { renderUserData } from "../../../infra/cloudinit";
import { buildNodeSpec, isFirstServer, NFS_EXPORT, nodeName, planNodes } from "../../../infra/nodes";
import { secureToken, TOKEN_USERS } from "../../../infra/joinToken";
import { loadStackConfig } from "../../../delivery/synth/stackConfig";
import { PROJECT, STACKS_DIR } from "../../../delivery/synth/stacks";
import { OpensslPki } from "../../support/opensslPki";

export interface RenderedFile {
    readonly path: string;
    readonly content: string;
    readonly permissions: string;
}

export interface BootNode {
    readonly key: string;
    readonly role: "server" | "agent";
    readonly name: string;
    readonly ip: string;
    readonly userData: string;
    readonly files: RenderedFile[];
    readonly firstServer: boolean;
}

export interface AddressPlan {
    /** Node subnet, e.g. "10.20.0.0/24"; the gateway is its .1. */
    readonly cidr: string;
    readonly servers: readonly string[];
    readonly agents: readonly string[];
    readonly vip?: string;
}

export interface BootCluster {
    readonly config: InfraConfig;
    /** Tokens and CA material the nodes were rendered with (a re-render for a replacement reuses them). */
    readonly secrets: NodeSecrets;
    readonly nodes: BootNode[];
    readonly plan: AddressPlan;
    readonly volumeId: string;
}

function caFiles(): ClusterCaFiles {
    const pki = new OpensslPki({ prefix: "boot-ca-" });
    try {
        const ca = (name: string) => {
            // The CA shape openssl's stock config gives `req -x509` (v3_ca).
            pki.ca(name, { subject: `/CN=boot-test-${name}`, extensions: ["basicConstraints=critical,CA:true"] });
            return pki.pair(name);
        };
        const [server, client, requestHeader, etcdServer, etcdPeer] = [
            "server-ca",
            "client-ca",
            "request-header-ca",
            "etcd-server-ca",
            "etcd-peer-ca",
        ].map(ca);
        pki.rsaKey("service");
        return {
            serverCaCert: server.cert,
            serverCaKey: server.key,
            clientCaCert: client.cert,
            clientCaKey: client.key,
            requestHeaderCaCert: requestHeader.cert,
            requestHeaderCaKey: requestHeader.key,
            etcdServerCaCert: etcdServer.cert,
            etcdServerCaKey: etcdServer.key,
            etcdPeerCaCert: etcdPeer.cert,
            etcdPeerCaKey: etcdPeer.key,
            serviceKey: pki.read("service.key"),
        };
    } finally {
        pki.dispose();
    }
}

/** Fresh cluster secrets: real CA material and tokens in k3s' secure format (CA hash inside). */
export function clusterSecrets(): NodeSecrets {
    const ca = caFiles();
    return {
        token: secureToken(ca.serverCaCert, TOKEN_USERS.server, randomBytes(24).toString("hex")),
        agentToken: secureToken(ca.serverCaCert, TOKEN_USERS.agent, randomBytes(24).toString("hex")),
        ca,
    };
}

/** Override of `agentPools` that keeps the stack's pools but gives pool default `count` agents. */
export function defaultPoolCount(stack: string, count: number): Record<string, string> {
    const pools = JSON.parse(loadStackConfig(STACKS_DIR, stack, PROJECT)[`${PROJECT}:agentPools`]?.value ?? "{}") as Record<
        string,
        Record<string, unknown>
    >;
    return { agentPools: JSON.stringify({ ...pools, default: { ...pools.default, count } }) };
}

/**
 * `datastoreVolumeId`: the single server's datastore volume (dev); HA servers have none.
 * `given`: the secrets of an earlier render (a replacement joins the same cluster).
 * `secretKeys`: override keys that count as set with `--secret` (credentials).
 */
export function renderCluster(
    stack: string,
    overrides: Record<string, string>,
    plan: AddressPlan,
    volumeId: string,
    datastoreVolumeId?: string,
    given?: NodeSecrets,
    secretKeys: readonly string[] = [],
): BootCluster {
    const stackConfig = loadStackConfig(STACKS_DIR, stack, PROJECT);
    const lookup = Object.assign((key: string) => overrides[key] ?? stackConfig[`${PROJECT}:${key}`]?.value, {
        isSecret: (key: string) => secretKeys.includes(key),
    });
    const config = parseInfraConfig(lookup, PROJECT, `boot test of ${stack}`);
    const entry = plan.vip ?? plan.servers[0];
    const serverUrl = `https://${entry}:6443`;
    const secrets = given ?? clusterSecrets();
    const nodes = planNodes(config).map((slot) => {
        const ip = (slot.role === "server" ? plan.servers : plan.agents)[slot.index];
        if (!ip) throw new Error(`the address plan has no address for ${slot.key}`);
        const name = nodeName(config, slot);
        const first = isFirstServer(slot);
        const addresses = {
            nodeIp: ip,
            serverUrl,
            tlsSans: [...new Set([entry, ...plan.servers])].sort(),
            peers: plan.servers.filter((s) => s !== ip),
            vip: plan.vip,
            volumeId,
            datastoreVolumeId,
        };
        const userData = renderUserData(buildNodeSpec(config, slot, name, addresses), { ...secrets, ca: first ? secrets.ca : undefined });
        const doc = parse(userData) as { write_files: RenderedFile[] };
        return { key: slot.key, role: slot.role, name, ip, userData, files: doc.write_files, firstServer: first };
    });
    return { config, secrets, nodes, plan, volumeId };
}

export { NFS_EXPORT };

/** The stack's pinned k3s version (the mirror serves exactly that release). */
export function stackK3sVersion(stack: string): string {
    const value = loadStackConfig(STACKS_DIR, stack, PROJECT)[`${PROJECT}:k3sVersion`]?.value;
    if (!value) throw new Error(`stack ${stack} sets no k3sVersion`);
    return value;
}
