/**
 * `backupStore`: where etcd snapshots and database dumps go, which identity owns the EC2
 * credential the writers use, which generations of that credential are alive, and who prunes.
 * Pure: reads config through the ConfigReader, validated key by key.
 */
import type { ConfigReader } from "../lib/config/reader";

/**
 * The Keystone identity an EC2 credential belongs to. `deployer`: whoever runs `pulumi up`
 * (usually an application credential, to which Keystone then ties the EC2 credential: deleting
 * or expiring the deploy credential kills the backups). A user: a dedicated backup user that
 * signs in with its password (`backupOwnerPassword`), so the credential outlives every deploy
 * credential and sees only that user's project.
 */
export type BackupOwner = "deployer" | { readonly user: string; readonly userDomain: string; readonly project: string };

/** One EC2 credential of the store. */
export interface BackupCredentialGeneration {
    /** Increasing number; a new one creates a new credential (the rotation). */
    readonly generation: number;
    readonly owner: BackupOwner;
}

/** Who deletes dumps and snapshots past their retention. */
export type BackupPruning = "writers" | "store";

/** S3-compatible object storage for etcd snapshots and database dumps. */
export interface BackupStoreConfig {
    /** `https://host[:port]` of the S3 API (Swift's s3api, Ceph RGW, AWS, MinIO...). */
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    /** Create the bucket (Swift container) and the EC2 credentials here; else use the given credential. */
    readonly create: boolean;
    /** Given credential (config secrets `backupStoreAccessKey`/`backupStoreSecretKey`) when not created. */
    readonly accessKey?: string;
    readonly secretKey?: string;
    /** Created credentials, oldest first; the last is the one every writer uses (create only). */
    readonly credentials: readonly BackupCredentialGeneration[];
    /** Password of the owner user (config secret `backupOwnerPassword`), when a generation has one. */
    readonly ownerPassword?: string;
    /** `writers`: the writers delete what is past retention; `store`: they never delete, the bucket expires objects. */
    readonly pruning: BackupPruning;
    /** With pruning "store": the bucket's lifecycle rule expires objects (and old versions) after this many days. */
    readonly expireAfterDays?: number;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SETTINGS = ["endpoint", "bucket", "region", "create", "credentials", "pruning", "expireAfterDays"];
/** Keystone names: printable, no surrounding blanks, at most 255 characters. */
const KEYSTONE_NAME = /^\S(.{0,253}\S)?$/;
const PROJECT_ID = /^[0-9a-f]{32}$/;
const GIVEN_KEYS = ["backupStoreAccessKey", "backupStoreSecretKey"] as const;

export const DEFAULT_CREDENTIALS: readonly BackupCredentialGeneration[] = [{ generation: 1, owner: "deployer" }];

/** The generation every writer uses: the newest. */
export function activeGeneration(credentials: readonly BackupCredentialGeneration[]): BackupCredentialGeneration {
    return credentials[credentials.length - 1];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseOwner(r: ConfigReader, key: string, raw: unknown): BackupOwner | undefined {
    if (raw === "deployer") return "deployer";
    if (!isObject(raw)) {
        r.problem(key, raw, 'must be "deployer" or {"user": "<name>", "userDomain": "Default", "project": "<project id>"}');
        return undefined;
    }
    for (const k of Object.keys(raw))
        if (!["user", "userDomain", "project"].includes(k))
            r.problem(`${key}.${k}`, raw[k], "is not a setting; use user, userDomain, project");
    const { user, userDomain = "Default", project } = raw;
    let ok = true;
    if (typeof user !== "string" || !KEYSTONE_NAME.test(user)) {
        r.problem(`${key}.user`, user, "must be the backup user's Keystone name");
        ok = false;
    }
    if (typeof userDomain !== "string" || !KEYSTONE_NAME.test(userDomain)) {
        r.problem(`${key}.userDomain`, userDomain, 'must be the user\'s Keystone domain name, e.g. "Default"');
        ok = false;
    }
    if (typeof project !== "string" || !PROJECT_ID.test(project)) {
        r.problem(`${key}.project`, project, "must be the ID (32 hex digits) of the project the user writes backups in");
        ok = false;
    }
    return ok ? { user: user as string, userDomain: userDomain as string, project: project as string } : undefined;
}

/** The `credentials` list: 1 or 2 generations, increasing; two distinct owner users are refused. */
function parseCredentials(r: ConfigReader, raw: unknown): BackupCredentialGeneration[] {
    const key = "backupStore.credentials";
    if (raw === undefined) return [...DEFAULT_CREDENTIALS];
    if (!Array.isArray(raw) || raw.length < 1 || raw.length > 2) {
        r.problem(
            key,
            raw,
            'must list 1 or 2 generations, oldest first, e.g. [{"generation": ' +
                '1, "owner": "deployer"}]; two only while a rotation rolls out',
        );
        return [...DEFAULT_CREDENTIALS];
    }
    const out: BackupCredentialGeneration[] = [];
    raw.forEach((entry, i) => {
        const at = `${key}[${i}]`;
        if (!isObject(entry)) {
            r.problem(at, entry, 'must be {"generation": <n>, "owner": ...}');
            return;
        }
        for (const k of Object.keys(entry))
            if (!["generation", "owner"].includes(k)) r.problem(`${at}.${k}`, entry[k], "is not a setting; use generation, owner");
        const g = entry.generation;
        if (typeof g !== "number" || !Number.isInteger(g) || g < 1 || g > 9999)
            r.problem(`${at}.generation`, g, "must be a whole number from 1 to 9999");
        else if (out.length > 0 && g <= out[out.length - 1].generation)
            r.problem(
                `${at}.generation`,
                g,
                `must be greater than the one before (${out[out.length - 1].generation}): oldest first, a rotation adds a higher one`,
            );
        const owner = parseOwner(r, `${at}.owner`, entry.owner);
        if (typeof g === "number" && owner) out.push({ generation: g, owner });
    });
    const users = new Set(out.flatMap((c) => (c.owner === "deployer" ? [] : [`${c.owner.userDomain}/${c.owner.user}/${c.owner.project}`])));
    if (users.size > 1)
        r.problem(
            key,
            raw,
            "names two different owner users: backupOwnerPassword signs in one; " +
                "move between owner users in two rotations (via deployer or retiring the first)",
        );
    return out.length > 0 ? out : [...DEFAULT_CREDENTIALS];
}

export interface BackupStoreRead {
    readonly store?: BackupStoreConfig;
    readonly warnings: string[];
}

export function parseBackupStore(r: ConfigReader): BackupStoreRead {
    r.known(...GIVEN_KEYS, "backupOwnerPassword");
    if (!r.has("backupStore")) {
        for (const key of [...GIVEN_KEYS, "backupOwnerPassword"]) r.secret(key, { used: false, unusedBecause: "there is no backupStore" });
        return { warnings: [] };
    }
    const raw = r.json<Record<string, unknown>>("backupStore", {
        expected: '{"endpoint": "https://object.example.org", "bucket": "platform-backups", "region": "RegionOne", "create": true}',
    });
    if (!isObject(raw)) {
        r.problem("backupStore", raw, "must be an object with endpoint, bucket, region and create");
        return { warnings: [] };
    }
    for (const key of Object.keys(raw)) {
        if (!SETTINGS.includes(key)) r.problem(`backupStore.${key}`, raw[key], `is not a setting; use ${SETTINGS.join(", ")}`);
    }
    const { endpoint, bucket, region = "RegionOne", create = false, pruning = "writers" } = raw;
    if (typeof endpoint !== "string" || !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/.test(endpoint)) {
        r.problem("backupStore.endpoint", endpoint, 'must be the S3 API\'s base URL, e.g. "https://object.example.org" (no path)');
    }
    if (typeof bucket !== "string" || !BUCKET.test(bucket)) {
        r.problem("backupStore.bucket", bucket, "must be an S3 bucket name (3-63 chars: lowercase letters, digits, '.', '-')");
    }
    if (typeof region !== "string" || region.trim() === "") r.problem("backupStore.region", region, "must be a non-empty region name");
    if (typeof create !== "boolean")
        r.problem(
            "backupStore.create",
            create,
            "must be true (create container and EC2 credential) or false (use backupStoreAccessKey/backupStoreSecretKey)",
        );
    if (pruning !== "writers" && pruning !== "store") {
        r.problem(
            "backupStore.pruning",
            pruning,
            '"writers" (the writers delete past retention) or "store" (they never delete; ' +
                "the bucket's lifecycle rule expires objects, docs/security.md)",
        );
    }
    if (create !== true && raw.credentials !== undefined) {
        r.problem(
            "backupStore.credentials",
            raw.credentials,
            "applies to created credentials only (create: true); " +
                "a given one is rotated by setting new backupStoreAccessKey/backupStoreSecretKey",
        );
    }
    const expire = raw.expireAfterDays;
    if (pruning === "store" && (typeof expire !== "number" || !Number.isInteger(expire) || expire < 1 || expire > 3650)) {
        r.problem(
            "backupStore.expireAfterDays",
            expire,
            'is required with pruning "store": whole days (1-3650) after which the ' +
                "bucket expires a backup; at least the longest retention of the writers",
        );
    } else if (pruning !== "store" && expire !== undefined) {
        r.problem(
            "backupStore.expireAfterDays",
            expire,
            'applies only with pruning "store" (with "writers" each writer\'s own retention prunes)',
        );
    }
    const credentials = create === true ? parseCredentials(r, raw.credentials) : [];
    const given = { used: create === false, unusedBecause: "backupStore.create is true: the bucket's EC2 credentials are created here" };
    const accessKey = r.secret("backupStoreAccessKey", given);
    const secretKey = r.secret("backupStoreSecretKey", given);
    if (create === false && (accessKey === undefined || secretKey === undefined)) {
        for (const key of GIVEN_KEYS)
            if (!r.has(key))
                r.problem(key, undefined, `is required when backupStore.create is false: pulumi config set --secret ${key} ...`);
    }
    const ownedByUser = credentials.some((c) => c.owner !== "deployer");
    const ownerPassword = r.secret("backupOwnerPassword", {
        used: ownedByUser,
        unusedBecause: "no backupStore.credentials generation has an owner user",
    });
    if (ownedByUser && ownerPassword === undefined && !r.has("backupOwnerPassword")) {
        r.problem(
            "backupOwnerPassword",
            undefined,
            "is required when a backupStore.credentials generation has an owner user: pulumi config set --secret backupOwnerPassword ...",
        );
    }
    const warnings =
        create === true && raw.credentials === undefined
            ? [
                  "backupStore.credentials is unset: the backups' EC2 credential belongs to the deploy " +
                      'identity (rotating or deleting it stops every backup). Give it an owner: "credentials": ' +
                      '[{"generation": 1, "owner": "deployer"}, {"generation": 2, "owner": {"user": ' +
                      '..., "project": ...}}] (docs/security.md, "Who owns the backup credential, and rotating it").',
              ]
            : [];
    return {
        store: {
            endpoint: String(endpoint).replace(/\/$/, ""),
            bucket: String(bucket),
            region: String(region),
            create: create === true,
            accessKey,
            secretKey,
            credentials,
            ownerPassword,
            pruning: pruning === "store" ? "store" : "writers",
            ...(pruning === "store" && typeof expire === "number" ? { expireAfterDays: expire } : {}),
        },
        warnings,
    };
}
