/**
 * The infra layer: OpenStack resources and a k3s cluster on them. Config is validated first;
 * nothing is created when any value is wrong.
 */
import * as pulumi from "@pulumi/pulumi";
import { stackLookup } from "../lib/config/stack";
import { parseInfraConfig } from "./config";
import { CiRunner } from "./ciRunner";
import { K3sCluster } from "./k3sCluster";
import { BackupStore } from "./backupStore";
import { backupStoreRules } from "./backupStoreRules";
import { CloudControllerCredential } from "./cloudControllerCredential";
import type { CloudCredentials, InfraOutputs } from "../lib/contracts";

type Outputs = { [K in keyof InfraOutputs]: pulumi.Input<InfraOutputs[K]> };

export async function infraLayer(): Promise<Outputs> {
    const config = new pulumi.Config();
    const cfg = parseInfraConfig(stackLookup(), pulumi.getProject(), `stack ${pulumi.getStack()}`);
    const name = `${cfg.environment}-k3s`;
    for (const warning of cfg.warnings) pulumi.log.warn(warning);

    const store = cfg.backupStore
        ? new BackupStore(`${name}-backups`, { config: cfg.backupStore, authUrl: cfg.openstackAuthUrl, region: cfg.openstackRegion })
        : undefined;
    const cluster = new K3sCluster(name, { config: cfg, backupStore: store?.access, restoreSnapshot: cfg.restoreFromSnapshot });

    // In-cluster OpenStack controllers (cloud controller manager, cinder-csi) authenticate with
    // an application credential of their own: supplied through config, or created here.
    const credential = new CloudControllerCredential(`${name}-cloud-controllers`, {
        environment: cfg.environment,
        config: cfg.cloudCredential,
        suppliedSecret: cfg.cloudCredential.source === "supplied" ? config.requireSecret("cloudControllerCredentialSecret") : undefined,
    });
    const cloudCredentials: pulumi.Output<CloudCredentials> = pulumi.secret(
        pulumi.all([credential.id, credential.secret]).apply(([id, secret]) => ({
            authUrl: cfg.openstackAuthUrl,
            region: cfg.openstackRegion,
            applicationCredentialId: id,
            applicationCredentialSecret: secret,
        })),
    );

    if (cfg.ciRunner) {
        new CiRunner(`${cfg.environment}-ci-runner`, {
            runner: cfg.ciRunner,
            environment: cfg.environment,
            networkId: cluster.networkId,
            subnetId: cluster.subnetId,
            serversSecurityGroupId: cluster.serversSecurityGroupId,
            internalApiAddress: cluster.internalApiAddress,
            apiAddress: cluster.apiAddress,
            keyPair: cluster.keyPairName,
            githubToken: config.requireSecret("ciRunnerGithubToken"),
        });
    }

    // A token generation that may not follow the previous deployment fails the program (and so the preview).
    await cluster.checked;

    // Outputs resolve only after the readiness gate, so a stack that reports success has a
    // cluster whose API answers and whose nodes are all Ready.
    const afterReady = <T>(value: pulumi.Output<T>) => pulumi.all([cluster.ready.id, value]).apply(([, v]) => v);
    return {
        environment: cfg.environment,
        kubeconfig: pulumi.secret(afterReady(cluster.kubeconfig)),
        apiEndpoint: afterReady(cluster.apiEndpoint),
        ingressAddress: cluster.ingressAddress,
        adminCidrs: cfg.adminCidrs,
        k3sVersion: cfg.k3sVersion,
        nodes: cluster.nodes,
        nodePools: cluster.nodePools,
        cloudCredentials,
        localPathStorage: cfg.localPathStorage,
        nfs: cluster.nfs,
        networkId: cluster.networkId,
        subnetId: cluster.subnetId,
        // The kubeconfig stops working at this time; `npm run up` warns 20 days ahead and up renews.
        adminCertExpiresAt: cluster.adminCertExpiresAt,
        // The cloud controllers' credential stops working after this day; `npm run up` warns 30 days ahead.
        cloudCredentialExpiresAt: credential.expiresAt,
        // Published only after the readiness gate: its presence tells later deployments that the
        // cluster was initialised (server-0 then joins instead; infra/bootstrap.ts).
        clusterId: afterReady(cluster.clusterId),
        // The token generation the servers were rolled to; the next deployment may raise it by one
        // (infra/serverTokens.ts). Generation 1 publishes nothing, as before rotations existed.
        ...(cfg.serverTokenGeneration > 1 ? { serverTokenGeneration: afterReady(pulumi.output(cfg.serverTokenGeneration)) } : {}),
        // Where etcd snapshots and database dumps go (secret: holds the credential).
        ...(store ? { backupStore: store.access, backupCredentials: store.credentials } : {}),
        ...(cfg.backupStore && backupStoreRules(cfg.backupStore) ? { backupStoreRules: { ...backupStoreRules(cfg.backupStore)! } } : {}),
    };
}
