/**
 * The cluster's certificate authorities and the deploy identity's client certificate, generated
 * by @pulumi/tls. k3s adopts CAs it finds in its TLS directory on first start, so the kubeconfig
 * can be built here without ever reading anything back from a node.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DEPLOYERS_GROUP } from "./adminAccess";
import type { ClusterCaFiles } from "./cloudinit";
import { componentType, withFormerType } from "../lib/componentType";

export interface ClusterPkiArgs {
    /** Common-name prefix, e.g. the environment name. */
    readonly clusterName: string;
    /** CA lifetime; k3s leaf certificates are rotated by k3s itself. */
    readonly caValidityHours?: number;
}

/**
 * The deploy identity lives 30 days and any `pulumi up` of the infra stack inside its last 20
 * renews it, so a deployment every few weeks keeps it valid while a leaked copy dies within a
 * month even if nobody revokes its group.
 */
export const DEPLOY_CERT_VALIDITY_HOURS = 24 * 30;
export const DEPLOY_CERT_RENEWAL_HOURS = 24 * 20;

const CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"];

export class ClusterPki extends pulumi.ComponentResource {
    /** CA files for the first server's TLS directory (secret). */
    readonly caFiles: pulumi.Output<ClusterCaFiles>;
    readonly serverCaCert: pulumi.Output<string>;
    /** The deploy identity (CN `<cluster>-deployer`, O=data-platform:deployers). */
    readonly adminCert: pulumi.Output<string>;
    readonly adminKey: pulumi.Output<string>;
    /** RFC 3339 end of the deploy certificate's validity (stack output `adminCertExpiresAt`). */
    readonly adminCertExpiresAt: pulumi.Output<string>;

    constructor(name: string, args: ClusterPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("infra", "ClusterPki"), name, {}, withFormerType(componentType("infra", "ClusterPki"), opts));
        const caHours = args.caValidityHours ?? 24 * 365 * 10;
        const ca = (id: string, commonName: string) => {
            const key = new tls.PrivateKey(`${name}-${id}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
            const cert = new tls.SelfSignedCert(
                `${name}-${id}`,
                {
                    privateKeyPem: key.privateKeyPem,
                    isCaCertificate: true,
                    validityPeriodHours: caHours,
                    allowedUses: CA_USES,
                    subject: { commonName: `${args.clusterName}-${commonName}` },
                },
                // A new CA would invalidate every kubeconfig and node; renew deliberately.
                { parent: this, ignoreChanges: ["validityPeriodHours"] },
            );
            return { key, cert };
        };
        const server = ca("server-ca", "k3s-server-ca");
        const client = ca("client-ca", "k3s-client-ca");
        const requestHeader = ca("request-header-ca", "k3s-request-header-ca");
        const etcdServer = ca("etcd-server-ca", "etcd-server-ca");
        const etcdPeer = ca("etcd-peer-ca", "etcd-peer-ca");
        const serviceKey = new tls.PrivateKey(`${name}-service-account-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });

        const adminKey = new tls.PrivateKey(`${name}-admin-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const adminCsr = new tls.CertRequest(
            `${name}-admin-csr`,
            {
                privateKeyPem: adminKey.privateKeyPem,
                // Not system:masters (which RBAC cannot take back): a group bound to cluster-admin
                // by a ClusterRoleBinding the servers' user-data installs (adminAccess.ts).
                subject: { commonName: `${args.clusterName}-deployer`, organization: DEPLOYERS_GROUP },
            },
            { parent: this },
        );
        const adminCert = new tls.LocallySignedCert(
            `${name}-admin`,
            {
                certRequestPem: adminCsr.certRequestPem,
                caPrivateKeyPem: client.key.privateKeyPem,
                caCertPem: client.cert.certPem,
                validityPeriodHours: DEPLOY_CERT_VALIDITY_HOURS,
                // Inside this window the provider plans a replacement, so `pulumi up` renews it;
                // `npm run up` warns inside the same window (delivery/deploy/checks/certExpiry.ts).
                earlyRenewalHours: DEPLOY_CERT_RENEWAL_HOURS,
                allowedUses: ["client_auth", "digital_signature", "key_encipherment"],
            },
            { parent: this },
        );

        this.serverCaCert = server.cert.certPem;
        this.adminCert = adminCert.certPem;
        this.adminCertExpiresAt = adminCert.validityEndTime;
        this.adminKey = pulumi.secret(adminKey.privateKeyPem);
        this.caFiles = pulumi.secret(
            pulumi
                .all([
                    server.cert.certPem,
                    server.key.privateKeyPem,
                    client.cert.certPem,
                    client.key.privateKeyPem,
                    requestHeader.cert.certPem,
                    requestHeader.key.privateKeyPem,
                    etcdServer.cert.certPem,
                    etcdServer.key.privateKeyPem,
                    etcdPeer.cert.certPem,
                    etcdPeer.key.privateKeyPem,
                    serviceKey.privateKeyPem,
                ])
                .apply(([sc, sk, cc, ck, rc, rk, esc, esk, epc, epk, svc]) => ({
                    serverCaCert: sc,
                    serverCaKey: sk,
                    clientCaCert: cc,
                    clientCaKey: ck,
                    requestHeaderCaCert: rc,
                    requestHeaderCaKey: rk,
                    etcdServerCaCert: esc,
                    etcdServerCaKey: esk,
                    etcdPeerCaCert: epc,
                    etcdPeerCaKey: epk,
                    serviceKey: svc,
                })),
        );
        this.registerOutputs({ serverCaCert: this.serverCaCert, adminCert: this.adminCert, adminCertExpiresAt: this.adminCertExpiresAt });
    }
}
