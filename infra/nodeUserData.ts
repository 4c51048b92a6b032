/**
 * Each node's cloud-init, built from the cluster's addresses, tokens, CA and volumes. The
 * addresses are the stable ports', so a replaced node gets the same user-data inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import type { InfraConfig } from "./config";
import { AgentSpec, renderUserData } from "./cloudinit";
import { agentUserDataRenderer } from "./agentUserDataTemplate";
import type { ClusterPki } from "./pki";
import { secureToken, TOKEN_USERS } from "./joinToken";
import type { BackupStoreAccess } from "./backupStore";
import type { ServerTokens } from "./serverTokens";
import { buildNodeSpec, hasDatastoreVolume, isFirstServer, NodeAddresses, NodeSlot } from "./nodes";
import { EntryPoint, fixedIp } from "./entryPoint";

/** The volumes that outlive the nodes: the NFS export's, and a single server's datastore. */
export interface Volumes {
    readonly nfs: pulumi.Output<string>;
    readonly datastore?: pulumi.Output<string>;
}

export type UserDataOf = (slot: NodeSlot, node: string, nodeIp: pulumi.Output<string>) => pulumi.Output<string>;

/** The cluster's join tokens and PKI. */
export interface Secrets {
    readonly token: ServerTokens;
    readonly agentToken: random.RandomPassword;
    readonly pki: ClusterPki;
}

/** Each node's cloud-init. Secure-format tokens: every joining node (and server-0 itself) checks the CA hash. */
export function userDataBuilder(
    cfg: InfraConfig,
    base: Secrets,
    entry: EntryPoint,
    serverSlots: readonly NodeSlot[],
    volumes: Volumes,
    backupStore: pulumi.Output<BackupStoreAccess> | undefined,
): UserDataOf {
    const serverUrl = pulumi.interpolate`https://${entry.internalApiAddress}:6443`;
    const serverAddresses = serverSlots.map((s) => fixedIp(entry.ports.get(s.key)!));
    // Not the floating IP: the kubeconfig checks the certificate by name (API_TLS_SERVER_NAME).
    const tlsSans = pulumi.all([entry.internalApiAddress, ...serverAddresses]).apply((ips) => [...new Set(ips)].sort());
    const peersOf = (slot: NodeSlot) => serverSlots.filter((s) => s.key !== slot.key).map((s) => fixedIp(entry.ports.get(s.key)!));
    // What an agent's user-data shares with every other agent's (join URL and agent token), in one
    // Output for all of them: an agent's own is then its address alone, and a synth of 200 agents
    // does not resolve the servers' addresses, volumes and CA files 200 times for values no agent
    // renders (buildNodeSpec and renderUserData read only these for an agent).
    const agentShared = pulumi
        .all([serverUrl, base.agentToken.result, base.pki.serverCaCert])
        .apply(([url, agentTok, serverCa]) => ({ serverUrl: url, agentToken: secureToken(serverCa, TOKEN_USERS.agent, agentTok) }));
    const renderAgent = agentUserDataRenderer();
    return (slot, node, nodeIp) => {
        if (slot.role === "agent") {
            return pulumi.all([nodeIp, agentShared]).apply(([ip, shared]) => {
                const spec = buildNodeSpec(cfg, slot, node, {
                    nodeIp: ip,
                    serverUrl: shared.serverUrl,
                    tlsSans: [],
                    peers: [],
                    volumeId: "",
                });
                return renderAgent(spec as AgentSpec, { token: "", agentToken: shared.agentToken });
            });
        }
        const addresses: pulumi.Output<NodeAddresses> = pulumi.output({
            nodeIp,
            serverUrl,
            tlsSans,
            peers: slot.role === "server" ? peersOf(slot) : [],
            vip: entry.vip,
            volumeId: volumes.nfs,
            datastoreVolumeId: hasDatastoreVolume(cfg, slot) ? volumes.datastore! : undefined,
        });
        return pulumi
            .all([addresses, base.token.current, base.token.previous, base.agentToken.result, base.pki.caFiles, backupStore])
            .apply(([addr, tok, previousTok, agentTok, ca, store]) =>
                renderUserData(buildNodeSpec(cfg, slot, node, addr), {
                    token: secureToken(ca.serverCaCert, TOKEN_USERS.server, tok),
                    ...(previousTok ? { previousToken: secureToken(ca.serverCaCert, TOKEN_USERS.server, previousTok) } : {}),
                    agentToken: secureToken(ca.serverCaCert, TOKEN_USERS.agent, agentTok),
                    ca: isFirstServer(slot) ? ca : undefined,
                    etcdS3: store ? { accessKey: store.accessKey, secretKey: store.secretKey } : undefined,
                }),
            );
    };
}
