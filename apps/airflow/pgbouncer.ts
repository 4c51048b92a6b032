/**
 * PgBouncer's configuration for Airflow's metadata database. With TLS, PgBouncer verifies
 * PostgreSQL's certificate against the internal CA and its name (verify-full), and accepts
 * Airflow's connections only over TLS; the Airflow side asks for encryption (`require`) and
 * needs no CA file in every pod, task pods included. Pure.
 */
import { checksumAnnotation } from "../../lib/kube/checksum";

/** Where the PgBouncer pod mounts its certificate Secret (tls.crt, tls.key, ca.crt). */
export const PGBOUNCER_TLS_DIR = "/etc/pgbouncer-tls";
export const PGBOUNCER_PORT = 6543;
/** PgBouncer's certificate Secret (cert-manager, internal CA). */
export const PGBOUNCER_TLS_SECRET = "airflow-pgbouncer-tls";

/** Chart values that mount the certificate Secret into the PgBouncer pod. */
export function pgbouncerTlsValues(secretName: string): Record<string, unknown> {
    return {
        // Readable by the pod's user (the chart runs PgBouncer as nobody, without an fsGroup); only
        // PgBouncer and its exporter share the pod.
        extraVolumes: [{ name: "pgbouncer-tls", secret: { secretName, defaultMode: 0o444 } }],
        extraVolumeMounts: [{ name: "pgbouncer-tls", mountPath: PGBOUNCER_TLS_DIR, readOnly: true }],
    };
}

export interface PgbouncerIniArgs {
    /** PostgreSQL's Service name as its certificate names it (`<name>.<namespace>.svc`). */
    readonly host: string;
    readonly database: string;
    /** The role that owns the database; also PgBouncer's stats user. */
    readonly user: string;
    readonly tls: boolean;
    readonly tlsDir?: string;
}

export function pgbouncerIni(a: PgbouncerIniArgs): string {
    const dir = a.tlsDir ?? PGBOUNCER_TLS_DIR;
    const tls = a.tls
        ? [
              "server_tls_sslmode = verify-full",
              `server_tls_ca_file = ${dir}/ca.crt`,
              "client_tls_sslmode = require",
              `client_tls_cert_file = ${dir}/tls.crt`,
              `client_tls_key_file = ${dir}/tls.key`,
          ]
        : ["server_tls_sslmode = prefer"];
    return [
        "[databases]",
        `airflow-metadata = host=${a.host} dbname=${a.database} port=5432 pool_size=10`,
        "",
        "[pgbouncer]",
        "pool_mode = transaction",
        `listen_port = ${PGBOUNCER_PORT}`,
        "listen_addr = *",
        "auth_type = scram-sha-256",
        "auth_file = /etc/pgbouncer/users.txt",
        `stats_users = ${a.user}`,
        "ignore_startup_parameters = extra_float_digits",
        "max_client_conn = 100",
        "verbose = 0",
        "log_disconnections = 0",
        "log_connections = 0",
        ...tls,
        "",
    ].join("\n");
}

/** `sslmode` of the connections to PgBouncer (Airflow's metadata connection and the stats exporter). */
export function clientSslMode(tls: boolean): "require" | "disable" {
    return tls ? "require" : "disable";
}

/** Restarts PgBouncer when its ini changes (users.txt changes only with the generated password). */
export function pgbouncerIniAnnotations(ini: string): Record<string, string> {
    return checksumAnnotation("pgbouncer-ini", ini);
}
