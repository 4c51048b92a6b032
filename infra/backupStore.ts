/**
 * The S3-compatible bucket that takes etcd snapshots (k3s `etcd-s3`) and the apps layer's
 * PostgreSQL dumps, so backups outlive every node and the cluster itself. Either given (endpoint,
 * bucket, credential from config secrets) or created here: a Swift container, reachable through
 * the cloud's S3 API, and one EC2-style credential per configured generation, each created by
 * its owner (the deploy identity or a dedicated backup user signing in with its own password).
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import * as random from "@pulumi/random";
import { activeGeneration, BackupOwner, BackupStoreConfig } from "./backupStoreConfig";
import type { BackupCredentialsOutput, BackupStoreOutput } from "../lib/contracts";
import { componentType, withFormerType } from "../lib/componentType";

/** What every backup writer needs; published (secret) as the infra output `backupStore`. */
export type BackupStoreAccess = BackupStoreOutput;

export interface BackupStoreArgs {
    readonly config: BackupStoreConfig;
    /** Keystone URL and region the owner user signs in at (the infra config's). */
    readonly authUrl: string;
    readonly region: string;
}

/**
 * The logical name of a generation's credential. Generation 1 keeps the name the single
 * credential always had, so configuring it explicitly replaces nothing.
 */
export function credentialResourceName(store: string, generation: number): string {
    return generation === 1 ? `${store}-ec2-credential` : `${store}-ec2-credential-g${generation}`;
}

/** Who owns a generation, for outputs and docs (no secret). */
export function ownerLabel(owner: BackupOwner): string {
    return owner === "deployer" ? "deployer" : `user ${owner.userDomain}/${owner.user} in project ${owner.project}`;
}

export class BackupStore extends pulumi.ComponentResource {
    /** Endpoint, bucket, region and the active credential (secret). */
    readonly access: pulumi.Output<BackupStoreAccess>;
    /** Which generation the writers use and who owns each live one (not secret). */
    readonly credentials: pulumi.Output<BackupCredentialsOutput>;

    constructor(name: string, args: BackupStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "BackupStore"), name, {}, withFormerType(componentType("infra", "BackupStore"), opts));
        const c = args.config;
        let accessKey: pulumi.Input<string>;
        let secretKey: pulumi.Input<string>;
        if (c.create) {
            // The backups are the last copy when everything else is gone: deleting them needs
            // `pulumi state unprotect` first, and a non-empty container is never force-deleted.
            // Writers in their own project reach the container only through its ACL (Swift
            // keystoneauth `<project>:*`); a Swift write grant includes delete (docs/security.md).
            const writerProjects = [
                ...new Set(c.credentials.flatMap((g) => (g.owner === "deployer" ? [] : [`${g.owner.project}:*`]))),
            ].join(",");
            new openstack.objectstorage.Container(
                `${name}-container`,
                {
                    name: c.bucket,
                    forceDestroy: false,
                    ...(writerProjects ? { containerRead: writerProjects, containerWrite: writerProjects } : {}),
                },
                { parent: this, protect: true, retainOnDelete: true },
            );
            const ownerProvider = this.ownerProvider(name, args);
            const made = c.credentials.map((g) => ({
                generation: g.generation,
                owner: g.owner,
                credential: new openstack.identity.Ec2CredentialV3(
                    credentialResourceName(name, g.generation),
                    g.owner === "deployer" ? {} : { projectId: g.owner.project },
                    { parent: this, ...(g.owner === "deployer" ? {} : { provider: ownerProvider }) },
                ),
            }));
            const active = made.find((m) => m.generation === activeGeneration(c.credentials).generation)!;
            accessKey = active.credential.access;
            secretKey = active.credential.secret;
            this.credentials = pulumi.output({
                active: active.generation,
                live: made.map((m) => ({ generation: m.generation, owner: ownerLabel(m.owner) })),
            });
        } else {
            accessKey = c.accessKey!;
            secretKey = c.secretKey!;
            this.credentials = pulumi.output({ active: 0, live: [{ generation: 0, owner: "given (backupStoreAccessKey)" }] });
        }
        // The dumps' client-side encryption key. Protected: a new one would leave every existing
        // dump unreadable (docs/security.md says where it is and how to keep a copy).
        const passphrase = new random.RandomPassword(
            `${name}-encryption-passphrase`,
            { length: 48, special: false },
            { parent: this, protect: true },
        );
        this.access = pulumi.secret(
            pulumi.all([accessKey, secretKey, passphrase.result]).apply(([a, s, p]) => ({
                endpoint: c.endpoint,
                bucket: c.bucket,
                region: c.region,
                accessKey: a,
                secretKey: s,
                encryptionPassphrase: p,
                pruning: c.pruning,
            })),
        );
        this.registerOutputs({});
    }

    /**
     * A provider signed in as the owner user with its password. A password sign-in (not an
     * application credential) matters: Keystone binds an EC2 credential made under an application
     * credential to it, so the credential would die with it. The application-credential fields are
     * set empty so OS_APPLICATION_CREDENTIAL_* of the deploy job's environment cannot stand in.
     */
    private ownerProvider(name: string, args: BackupStoreArgs): openstack.Provider | undefined {
        const users = args.config.credentials.flatMap((g) => (g.owner === "deployer" ? [] : [g.owner]));
        if (users.length === 0) return undefined;
        const owner = users[0];
        const settings = new pulumi.Config("openstack");
        return new openstack.Provider(
            `${name}-owner`,
            {
                authUrl: args.authUrl,
                region: args.region,
                userName: owner.user,
                userDomainName: owner.userDomain,
                tenantId: owner.project,
                password: pulumi.secret(args.config.ownerPassword!),
                applicationCredentialId: "",
                applicationCredentialName: "",
                applicationCredentialSecret: "",
                token: "",
                cacertFile: settings.get("cacertFile"),
                insecure: settings.getBoolean("insecure"),
            },
            { parent: this },
        );
    }
}
