/**
 * TLS for a PostgresDatabase: a cert-manager certificate from the cluster's internal CA for the
 * Service's names, the server flags that serve it, a pg_hba.conf that refuses every TCP
 * connection without TLS, and a readiness probe that reloads the server when cert-manager has
 * renewed the certificate (PostgreSQL reads its key pair only at start and on reload). Pure.
 */

/** Where the certificate Secret (tls.crt, tls.key, ca.crt) and pg_hba.conf are mounted. */
export const POSTGRES_TLS_DIR = "/etc/postgresql/tls";
export const POSTGRES_HBA_DIR = "/etc/postgresql/hba";
/** Where the probe records which certificate the server has loaded (the container's own /tmp). */
const LOADED_MARK = "/tmp/tls-loaded";

/** The Service's in-cluster names, fully qualified: the internal CA is constrained to `svc` names. */
export function serviceDnsNames(service: string, namespace: string, clusterDomain = "cluster.local"): string[] {
    return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
}

/** Arguments of the image's entrypoint: `postgres` with TLS on and our pg_hba.conf. */
export function postgresTlsArgs(dir = POSTGRES_TLS_DIR, hbaDir = POSTGRES_HBA_DIR): string[] {
    const settings = [
        "ssl=on",
        `ssl_cert_file=${dir}/tls.crt`,
        `ssl_key_file=${dir}/tls.key`,
        "ssl_min_protocol_version=TLSv1.2",
        `hba_file=${hbaDir}/pg_hba.conf`,
    ];
    return ["postgres", ...settings.flatMap((s) => ["-c", s])];
}

/**
 * Only the pod's own socket without a password (the image's init scripts, the probes); over TCP
 * only TLS with a SCRAM password. There is no `host` line, so a plain connection is refused.
 */
export function pgHbaTls(): string {
    return [
        "# TYPE   DATABASE USER ADDRESS    METHOD",
        "local    all      all             trust",
        "hostssl  all      all  0.0.0.0/0  scram-sha-256",
        "hostssl  all      all  ::/0       scram-sha-256",
        "",
    ].join("\n");
}

/**
 * The readiness probe: the server answers, and it serves the certificate now in the mounted
 * Secret — after a renewal it is reloaded first (through the socket, `local trust`).
 */
export function postgresProbeScript(tls: boolean, paths: { dir?: string; mark?: string; socketDir?: string } = {}): string {
    const { dir = POSTGRES_TLS_DIR, mark = LOADED_MARK, socketDir = "/var/run/postgresql" } = paths;
    const ready = 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" -h 127.0.0.1';
    if (!tls) return ready;
    const current = `cksum < ${dir}/tls.crt`;
    const reload = `psql -h ${socketDir} -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atqc "select pg_reload_conf()" >/dev/null`;
    return `${ready} && { [ "$(cat ${mark} 2>/dev/null)" = "$(${current})" ] || { ${reload} && ${current} > ${mark}; }; }`;
}

export interface CertificateArgs {
    readonly name: string;
    readonly namespace: string;
    readonly secretName: string;
    readonly dnsNames: readonly string[];
    readonly issuer: string;
    /** `server auth` for a server; a server that is also a client of another server adds `client auth`. */
    readonly usages?: readonly string[];
}

/** A cert-manager Certificate from a ClusterIssuer; renewed a month before its 90 days end. */
export function serviceCertificate(a: CertificateArgs): Record<string, unknown> {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: a.name, namespace: a.namespace },
        spec: {
            secretName: a.secretName,
            dnsNames: [...a.dnsNames],
            duration: "2160h",
            renewBefore: "720h",
            usages: [...(a.usages ?? ["server auth", "digital signature", "key encipherment"])],
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            issuerRef: { name: a.issuer, kind: "ClusterIssuer", group: "cert-manager.io" },
        },
    };
}
