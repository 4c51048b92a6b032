/**
 * Off-site PostgreSQL dumps, as pure scripts and env the CronJob runs (and the restore test runs
 * for real): `pg_dump` in the pinned PostgreSQL image, then upload and retention with a pinned
 * rclone image against any S3-compatible object store (OpenStack Swift's S3 API, AWS, MinIO...).
 *
 * Dumps are encrypted before they leave the pod: the scripts go through an rclone `crypt` remote
 * (`vault:`, NaCl secretbox, file contents only: names stay readable and sortable, with `.bin`
 * appended) keyed by the infra layer's backup passphrase, so the object store and anyone holding
 * its credential see only ciphertext.
 *
 * rclone is configured entirely from `RCLONE_CONFIG_*` environment variables, so no config file
 * holds the credentials or the passphrase; they come from a Kubernetes Secret.
 */

/** An S3-compatible bucket and where to reach it. */
export interface ObjectStore {
    /** Endpoint URL, e.g. `https://object.example.org` (Swift's S3 API) or `https://s3.eu-central-1.amazonaws.com`. */
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
}

/** Keys of the Secret holding the store's EC2-style credential. */
export const STORE_SECRET_KEYS = {
    accessKey: "access-key",
    secretKey: "secret-key",
    encryptionPassphrase: "encryption-passphrase",
} as const;

/** The rclone remote name the env below defines. */
export const REMOTE = "offsite";
/** The encrypting remote over one prefix of it (set up by vaultSetup). */
export const VAULT = "vault";
/** Environment variable the passphrase reaches the scripts in. */
export const PASSPHRASE_ENV = "BACKUP_PASSPHRASE";

/** Where the dump is written inside the Job (an emptyDir shared by both containers). */
export const DUMP_DIR = "/dump";

export interface EnvVar {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/** rclone settings for the store (non-secret values) without credentials. */
export function rclonePlainEnv(store: ObjectStore): Record<string, string> {
    return {
        RCLONE_CONFIG_OFFSITE_TYPE: "s3",
        RCLONE_CONFIG_OFFSITE_PROVIDER: "Other",
        RCLONE_CONFIG_OFFSITE_ENDPOINT: store.endpoint,
        RCLONE_CONFIG_OFFSITE_REGION: store.region,
        // Swift's S3 API and most non-AWS stores want path-style URLs.
        RCLONE_CONFIG_OFFSITE_FORCE_PATH_STYLE: "true",
        // The bucket exists (created by infra or by the operator); the credential may not list buckets.
        RCLONE_CONFIG_OFFSITE_NO_CHECK_BUCKET: "true",
    };
}

/** rclone env for a container: plain settings plus the credential from `secretName`. */
export function rcloneEnv(store: ObjectStore, secretName: string): EnvVar[] {
    const fromSecret = (key: string) => ({ secretKeyRef: { name: secretName, key } });
    return [
        ...Object.entries(rclonePlainEnv(store)).map(([name, value]) => ({ name, value })),
        { name: "RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID", valueFrom: fromSecret(STORE_SECRET_KEYS.accessKey) },
        { name: "RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY", valueFrom: fromSecret(STORE_SECRET_KEYS.secretKey) },
        { name: PASSPHRASE_ENV, valueFrom: fromSecret(STORE_SECRET_KEYS.encryptionPassphrase) },
    ];
}

/**
 * Shell lines defining `vault:` as the encrypted view of `offsite:<bucket>/<prefix>`. rclone
 * wants the crypt password obscured; `rclone obscure -` reads it from stdin, so the passphrase
 * is never on a command line.
 */
export function vaultSetup(store: ObjectStore, prefix: string): string[] {
    return [
        `[ -n "\${${PASSPHRASE_ENV}:-}" ] || { echo "${PASSPHRASE_ENV} is empty: no key to encrypt the dumps with" >&2; exit 1; }`,
        `export RCLONE_CONFIG_VAULT_TYPE=crypt RCLONE_CONFIG_VAULT_REMOTE="${remotePath(store, prefix)}" ` +
            `RCLONE_CONFIG_VAULT_FILENAME_ENCRYPTION=off RCLONE_CONFIG_VAULT_DIRECTORY_NAME_ENCRYPTION=false`,
        `RCLONE_CONFIG_VAULT_PASSWORD=$(printf '%s' "$${PASSPHRASE_ENV}" | rclone obscure -)`,
        "export RCLONE_CONFIG_VAULT_PASSWORD",
    ];
}

/** `offsite:<bucket>/<prefix>`: where one database's dumps live. */
export function remotePath(store: ObjectStore, prefix: string): string {
    return `${REMOTE}:${store.bucket}/${prefix.replace(/^\/+|\/+$/g, "")}`;
}

/**
 * Runs in the PostgreSQL image with PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD set. Dumps to a
 * temporary name and renames on success, so the upload step never sees a truncated dump.
 * The dump file is `<database>-<UTC stamp>.dump`, so names sort by time.
 */
export function dumpScript(dir = DUMP_DIR): string {
    return [
        "set -eu",
        "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
        `tmp="${dir}/.\${PGDATABASE}-\${stamp}.partial"`,
        'pg_dump --format=custom --no-owner --no-privileges --file="$tmp"',
        `mv "$tmp" "${dir}/\${PGDATABASE}-\${stamp}.dump"`,
    ].join("\n");
}

/**
 * Runs in the rclone image after the dump: encrypts and uploads the dump, verifies the stored
 * ciphertext against the local file (`rclone cryptcheck`), then deletes dumps older than
 * `retentionDays` (encrypted `.dump.bin` and any plaintext `.dump` from before encryption). Pruning
 * only ever follows a good upload, and the newest dump is never older than the retention, so a
 * failing schedule never empties the bucket. Without `retentionDays` the script issues no delete
 * at all: the store's own expiry prunes, and the credential may lack the right to delete.
 */
export function uploadScript(store: ObjectStore, prefix: string, retentionDays: number | undefined, dir = DUMP_DIR): string {
    return [
        "set -eu",
        ...vaultSetup(store, prefix),
        `for f in "${dir}"/*.dump; do`,
        '  [ -f "$f" ] || { echo "no dump to upload" >&2; exit 1; }',
        `  rclone copyto "$f" "${VAULT}:$(basename "$f")"`,
        `  rclone cryptcheck --one-way "${dir}" "${VAULT}:" --include "$(basename "$f")"`,
        "done",
        ...(retentionDays === undefined
            ? []
            : [`rclone delete "${remotePath(store, prefix)}" --min-age ${retentionDays}d --include "*.dump" --include "*.dump.bin"`]),
        `rclone lsl "${remotePath(store, prefix)}"`,
    ].join("\n");
}

/**
 * Restores the newest dump (or `$DUMP_NAME`) into the database PG* point at, which must be a
 * fresh, empty database. Needs the passphrase in BACKUP_PASSPHRASE. Runs anywhere both rclone
 * and pg_restore exist (the restore test runs it here; in the cluster, see docs/security.md).
 */
export function restoreScript(store: ObjectStore, prefix: string, dir = DUMP_DIR): string {
    return [
        "set -eu",
        ...vaultSetup(store, prefix),
        `name="\${DUMP_NAME:-$(rclone lsf --files-only --include "*.dump" "${VAULT}:" | sort | tail -n 1)}"`,
        '[ -n "$name" ] || { echo "no dump found" >&2; exit 1; }',
        `rclone copyto "${VAULT}:$name" "${dir}/$name"`,
        `pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$PGDATABASE" "${dir}/$name"`,
        'echo "restored $name"',
    ].join("\n");
}
