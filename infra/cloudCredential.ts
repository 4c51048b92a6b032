/**
 * The in-cluster OpenStack controllers' application credential (cloud controller manager and
 * cinder-csi): where it comes from, which roles it carries, which API calls it may make and
 * when it expires. Pure: read through the layer's ConfigReader; the resource is in
 * cloudControllerCredential.ts.
 */
import type { ConfigReader } from "../lib/config/reader";

/** "create": an application credential made by `up` (the deploying identity must be allowed to); "supplied": id + secret from config. */
export type CloudCredentialSource = "create" | "supplied";

export interface CloudCredentialConfig {
    readonly source: CloudCredentialSource;
    /** The supplied credential's id (its secret is `cloudControllerCredentialSecret`, read as a secret). */
    readonly id?: string;
    /** Created credential: the last day it works (YYYY-MM-DD, UTC); a new date rotates it. */
    readonly expiresAt?: string;
    /** Created credential: the project roles it carries, a subset of the deploying identity's. */
    readonly roles: readonly string[];
    /** Created credential: restricted to CLOUD_CONTROLLER_ACCESS_RULES (false on clouds that refuse access rules). */
    readonly accessRules: boolean;
}

export interface AccessRule {
    /** Service type as the cloud's catalog and keystonemiddleware name it. */
    readonly service: string;
    readonly method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
    /** Keystone path template: `*` is one segment, `**` any number. */
    readonly path: string;
}

const rules = (service: string, methods: AccessRule["method"][], paths: string[]): AccessRule[] =>
    methods.flatMap((method) => paths.map((path) => ({ service, method, path })));

/**
 * What OCCM (cloud-node and cloud-node-lifecycle only: no load balancers, no routes) and
 * cinder-csi's controller call. Reads of compute and network are whole-API (node addresses,
 * flavors, zones, version discovery); writes are the volume attachments on servers and the
 * block-storage API, which is cinder-csi's job. Nothing of identity, images, object storage,
 * load balancers, or server lifecycle: a leaked credential can't create, stop or delete servers.
 * Cinder registers as `volumev3` on most clouds and `block-storage` on newer ones: both listed.
 */
export const CLOUD_CONTROLLER_ACCESS_RULES: readonly AccessRule[] = [
    ...rules("compute", ["GET", "HEAD"], ["/", "/v2.1", "/v2.1/**"]),
    ...rules("compute", ["POST"], ["/v2.1/servers/*/os-volume_attachments"]),
    ...rules("compute", ["DELETE"], ["/v2.1/servers/*/os-volume_attachments/*"]),
    ...rules("network", ["GET", "HEAD"], ["/", "/v2.0", "/v2.0/**"]),
    ...["volumev3", "block-storage"].flatMap((service) => [
        ...rules(service, ["GET", "HEAD"], ["/", "/v3", "/v3/**"]),
        ...rules(service, ["POST", "PUT", "DELETE"], ["/v3/**"]),
    ]),
];

/** Roles no controller needs; carrying one would hand a leaked credential the project or the cloud. */
const REFUSED_ROLES = ["admin", "manager", "service"];
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Keystone's `expires_at` for the last day the credential works: the end of that day, UTC. */
export function credentialExpiry(date: string): string {
    return `${date}T23:59:59Z`;
}

/**
 * Keystone names a user's application credentials uniquely: the expiry is in the name, so a
 * rotation creates the new one before the old one goes.
 */
export function credentialName(environment: string, expiresAt: string): string {
    return `${environment}-k3s-cloud-controllers-${expiresAt}`;
}

function dateProblem(value: string): string | undefined {
    const m = DATE.exec(value);
    const valid = m && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
    if (!valid) return "must be a calendar date YYYY-MM-DD (the last day the credential works, UTC), e.g. 2027-06-30";
    // Keystone creates an already expired credential without complaint; the cloud controllers
    // then fail on their first call, long after the deploy looked green.
    const lastDay = new Date(`${value}T23:59:59Z`).getTime();
    if (lastDay >= Date.now()) return undefined;
    const example = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10);
    return (
        `has passed (the credential would be created expired, and one made with it stopped working then): ` +
        `set a later date, e.g. ${example}`
    );
}

export function parseCloudCredential(r: ConfigReader): CloudCredentialConfig {
    const id = r.optionalString("cloudControllerCredentialId", {
        pattern: /^[0-9a-f]{32}$/,
        allowed: "a Keystone application credential id (32 hex characters)",
    });
    // An id without its secret is reported below; a secret without an id is "unused".
    const hasSecret = r.has("cloudControllerCredentialSecret");
    r.secret("cloudControllerCredentialSecret", {
        used: id !== undefined,
        unusedBecause: "no cloudControllerCredentialId: the cloud controllers' credential is created here",
    });
    if (id !== undefined && !hasSecret) {
        r.problem(
            "cloudControllerCredentialSecret",
            undefined,
            "is required with cloudControllerCredentialId: pulumi config set --secret cloudControllerCredentialSecret <secret>",
        );
    }
    if (id === undefined && hasSecret) {
        r.problem(
            "cloudControllerCredentialId",
            undefined,
            "is required with cloudControllerCredentialSecret (or remove the secret): pulumi config set cloudControllerCredentialId <id>",
        );
    }
    const createdOnly = ["cloudCredentialExpiresAt", "cloudCredentialRoles", "cloudCredentialAccessRules"];
    if (id !== undefined) {
        r.known(...createdOnly);
        for (const key of createdOnly.filter((k) => r.has(k))) {
            r.problem(
                key,
                undefined,
                "applies only to a credential created here; the supplied one " +
                    "(cloudControllerCredentialId) keeps what it was made with: remove the key",
            );
        }
        return { source: "supplied", id, roles: [], accessRules: false };
    }
    const expiresAt = r.has("cloudCredentialExpiresAt")
        ? r.string("cloudCredentialExpiresAt", { check: dateProblem })
        : (r.problem(
              "cloudCredentialExpiresAt",
              undefined,
              "is required when the cloud controllers' credential is created here: the last day it works, at most a year ahead, e.g. " +
                  "pulumi config set cloudCredentialExpiresAt 2027-06-30 (rotate by setting a later date before then)",
          ),
          undefined);
    const roles = r.stringList("cloudCredentialRoles", {
        default: ["member"],
        minItems: 1,
        check: (role) =>
            REFUSED_ROLES.includes(role.toLowerCase())
                ? `"${role}" is more than the controllers need; use the project's member role ` +
                  `("member", "_member_" or "Member" on older clouds)`
                : /^\S+$/.test(role)
                  ? undefined
                  : "a Keystone role name without spaces",
    });
    const accessRules = r.boolean("cloudCredentialAccessRules", { default: true });
    return { source: "create", expiresAt, roles, accessRules };
}
