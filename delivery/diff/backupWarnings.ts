/**
 * What a backup-credential rotation does, for the offline diff: a new generation's EC2 credential
 * and the servers replaced to carry it (k3s reads its etcd-s3 key from the user-data), or a
 * retired one and who may still hold it. Pure: reads the diff's changes.
 */
import type { ChangeFields } from "./changes";

const EC2 = "openstack:identity/ec2CredentialV3:Ec2CredentialV3";
const INSTANCE = "openstack:compute/instance:Instance";
const GENERATION = /-ec2-credential(?:-g(\d+))?$/;

type Change = ChangeFields<"why">;

/** The generation a backup credential's logical name carries (generation 1 has no suffix). */
export function credentialGeneration(name: string): number | undefined {
    const m = GENERATION.exec(name);
    return m ? Number(m[1] ?? 1) : undefined;
}

const creds = (changes: readonly Change[], kinds: readonly Change["kind"][]) =>
    changes.filter((c) => c.type === EC2 && kinds.includes(c.kind) && credentialGeneration(c.name) !== undefined);

export function backupCredentialWarnings(changes: readonly Change[]): string[] {
    const created = creds(changes, ["create", "replace"]);
    const retired = creds(changes, ["delete", "replace"]);
    if (created.length === 0 && retired.length === 0) return [];
    const servers = changes.filter((c) => c.type === INSTANCE && c.kind === "replace" && c.why.includes("userData")).map((c) => c.name);
    const serverRoll =
        servers.length > 0
            ? `the servers (${servers.length}: ${servers.join(", ")}) are replaced one at a time, ` +
              `since k3s reads its etcd-s3 key from the user-data`
            : "no server is replaced in this plan";
    const out: string[] = [];
    for (const c of created) {
        const what =
            c.kind === "replace"
                ? `\`${c.name}\` is replaced (its owner changed): a new key`
                : `backup credential generation ${credentialGeneration(c.name)} (\`${c.name}\`) is created`;
        out.push(`${what}. The writers take it: ${serverRoll}; the apps layer's dump Secrets take it on that layer's next \`npm run up\`.`);
    }
    const oldNames = retired.map((c) => `\`${c.name}\``).join(", ");
    if (retired.length > 0) {
        out.push(
            created.length > 0
                ? `${oldNames} is deleted in the same plan that makes its successor: the apps layer's dumps fail from ` +
                      `the end of this up until its next up. Keep both generations for one round (backupStore.credentials ` +
                      `lists two), roll the apps layer, then retire the old one.`
                : `${oldNames} is retired (deleted in Keystone): anything still holding it fails from now on. Retire ` +
                      `only after every server was replaced and the apps layer ran with the new generation (npm run status ` +
                      `/ the infra output backupCredentials).`,
        );
    }
    return out;
}
