/**
 * `npm run kubeconfig -- <env> --user <name> [--hours N]`: a personal cluster-admin kubeconfig
 * valid for a few hours. People never use the deploy identity's kubeconfig for their own work:
 * this command uses it once, to ask the cluster's own signer (the CertificateSigningRequest API,
 * signer kubernetes.io/kube-apiserver-client, which k3s runs with its client CA) for a
 * certificate in the `data-platform:admins` group, named after the person, for a key generated
 * here. The audit trail then names the person, the certificate dies by itself within hours, and
 * deleting the group's binding revokes every one of them (docs/security.md).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { parse, stringify } from "yaml";
import { ADMINS_GROUP } from "../../infra/adminAccess";
import { request, until, type Clock, type KubeTarget } from "../../infra/lifecycle/kubeApi";
import { targetFromKubeconfig } from "../../infra/lifecycle/kubeconfigTarget";
import { certificateRequestPem, newClientKey } from "./csr";
import type { CommandRunner } from "../deploy/checks/preflight";

export const DEFAULT_HOURS = 8;
export const MAX_HOURS = 24;
const CSR_API = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
export const CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client";

export interface KubeconfigRequest {
    readonly env: string;
    readonly user: string;
    readonly hours: number;
}

/** The user name becomes the certificate's CN and part of an object name: a DNS label. */
export function requestProblem(req: KubeconfigRequest): string | undefined {
    if (!/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(req.user)) {
        return (
            `--user "${req.user}": expected lowercase letters, digits and '-', 1-40 characters, starting and ` +
            `ending with a letter or digit (e.g. your login name)`
        );
    }
    if (!Number.isInteger(req.hours) || req.hours < 1 || req.hours > MAX_HOURS)
        return `--hours ${req.hours}: expected a whole number of hours from 1 to ${MAX_HOURS}`;
    return undefined;
}

/** The CertificateSigningRequest object for a PEM request. */
export function csrObject(name: string, csrPem: string, req: KubeconfigRequest): Record<string, unknown> {
    return {
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name, labels: { "app.kubernetes.io/part-of": "data-platform-access" } },
        spec: {
            request: Buffer.from(csrPem).toString("base64"),
            signerName: CLIENT_SIGNER,
            expirationSeconds: req.hours * 3600,
            usages: ["digital signature", "client auth"],
        },
    };
}

interface CsrStatus {
    status?: { certificate?: string; conditions?: { type: string; status: string; message?: string }[] };
}

/** The deploy kubeconfig with its user replaced by the new certificate (same cluster entry). */
export function personalKubeconfig(deployKubeconfig: string, user: string, certPem: string, keyPem: string): string {
    const doc = parse(deployKubeconfig) as {
        "current-context": string;
        contexts: { name: string; context: { cluster: string } }[];
        clusters: { name: string }[];
    };
    const context = doc.contexts.find((c) => c.name === doc["current-context"]);
    const cluster = doc.clusters.find((c) => c.name === context?.context.cluster);
    if (!context || !cluster) throw new Error("the infra stack's kubeconfig names no current cluster");
    const name = `${cluster.name}-${user}`;
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [cluster],
        users: [
            {
                name,
                user: {
                    "client-certificate-data": Buffer.from(certPem).toString("base64"),
                    "client-key-data": Buffer.from(keyPem).toString("base64"),
                },
            },
        ],
        contexts: [{ name, context: { cluster: cluster.name, user: name } }],
        "current-context": name,
        preferences: {},
    });
}

export interface IssueDeps {
    readonly run: CommandRunner;
    readonly workDir: string;
    /** How long to wait for the signer; default 120 s. */
    readonly timeoutMs?: number;
    readonly clock?: Clock;
    readonly log?: (line: string) => void;
    /** Only tests replace these. */
    readonly newKey?: () => crypto.KeyObject;
    readonly suffix?: () => string;
}

export interface Issued {
    readonly kubeconfig: string;
    readonly notAfter: string;
    readonly csrName: string;
}

async function deployKubeconfig(run: CommandRunner, env: string, workDir: string): Promise<string> {
    const stack = `${env}-infra`;
    const out = await run("pulumi", ["stack", "output", "-s", stack, "kubeconfig", "--show-secrets"], { cwd: workDir });
    if (out.code !== 0 || !out.stdout.trim()) {
        throw new Error(
            `reading the deploy identity: pulumi stack output -s ${stack} kubeconfig --show-secrets failed ` +
                `(${out.spawnError ?? `exit ${out.code}`}): ${out.stderr.trim() || "no output"}`,
        );
    }
    return out.stdout;
}

async function expect(target: KubeTarget, method: string, path: string, body: unknown, ok: number[], what: string): Promise<string> {
    const res = await request(target, method, path, body);
    if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
    return res.body;
}

/** Generates a key, has the cluster sign it for `req.hours`, and returns the personal kubeconfig. */
export async function issueAdminKubeconfig(req: KubeconfigRequest, deps: IssueDeps): Promise<Issued> {
    const problem = requestProblem(req);
    if (problem) throw new Error(problem);
    const deploy = await deployKubeconfig(deps.run, req.env, deps.workDir);
    const target = targetFromKubeconfig(deploy);
    const key = (deps.newKey ?? newClientKey)();
    const csrPem = certificateRequestPem(key, { commonName: req.user, organizations: [ADMINS_GROUP] });
    const csrName = `${req.env}-admin-${req.user}-${(deps.suffix ?? (() => crypto.randomBytes(4).toString("hex")))()}`;
    const path = `${CSR_API}/${csrName}`;
    const created = JSON.parse(
        await expect(target, "POST", CSR_API, csrObject(csrName, csrPem, req), [201], `creating CertificateSigningRequest ${csrName}`),
    ) as Record<string, unknown>;
    try {
        const approval = {
            ...created,
            status: {
                conditions: [
                    {
                        type: "Approved",
                        status: "True",
                        reason: "PlatformAdminKubeconfig",
                        message: `npm run kubeconfig for ${req.user}, ${req.hours} h`,
                    },
                ],
            },
        };
        await expect(target, "PUT", `${path}/approval`, approval, [200], `approving ${csrName}`);
        let certPem = "";
        let refusal: string | undefined;
        await until(
            `the signer to issue ${csrName}`,
            async () => {
                const res = await request(target, "GET", path);
                if (res.status !== 200) return `the CSR (HTTP ${res.status})`;
                const status = (JSON.parse(res.body) as CsrStatus).status;
                const refused = status?.conditions?.find((c) => (c.type === "Denied" || c.type === "Failed") && c.status === "True");
                if (refused) {
                    refusal = `${csrName} was ${refused.type.toLowerCase()}: ${refused.message ?? "no message"}`;
                    return undefined;
                }
                if (!status?.certificate) return "a certificate in its status";
                certPem = Buffer.from(status.certificate, "base64").toString("utf8");
                return undefined;
            },
            { timeoutMs: deps.timeoutMs ?? 120_000, pollMs: 1000, clock: deps.clock, log: deps.log },
        );
        if (refusal) throw new Error(refusal);
        const cert = new crypto.X509Certificate(certPem);
        if (!cert.checkPrivateKey(key)) throw new Error(`${csrName}: the issued certificate is not for the key generated here`);
        const keyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
        return {
            kubeconfig: personalKubeconfig(deploy, req.user, certPem, keyPem),
            notAfter: new Date(cert.validTo).toISOString(),
            csrName,
        };
    } finally {
        // The signed certificate is in the object's status; nobody else needs it.
        await request(target, "DELETE", path).catch(() => undefined);
    }
}

/** Writes `text` readable by its owner only, also over an existing file with a wider mode. */
export function writePrivate(file: string, text: string): void {
    fs.mkdirSync(nodePath.dirname(file), { recursive: true, mode: 0o700 });
    const fd = fs.openSync(file, "w", 0o600);
    try {
        fs.fchmodSync(fd, 0o600);
        fs.writeFileSync(fd, text);
    } finally {
        fs.closeSync(fd);
    }
}
