/**
 * Which cloud-controller credential an infra stack uses, told before `up` (preflight): one
 * supplied through config, or one `up` creates. Keystone lets an application credential create
 * another only when it was made `--unrestricted`, so CI (which authenticates with an application
 * credential) needs a supplied one; the preflight says so with the commands to run, instead of a
 * 403 halfway through `up`.
 */

const NS = "data-platform";

export interface CredentialVerdict {
    /** What applies, for the log. */
    readonly note: string;
    /** Set when `up` would fail: what to run. */
    readonly problem?: string;
}

function deployingWithApplicationCredential(config: Record<string, unknown>, env: NodeJS.ProcessEnv): boolean | undefined {
    if (
        (env.OS_AUTH_TYPE ?? "").includes("applicationcredential") ||
        (env.OS_APPLICATION_CREDENTIAL_ID ?? "") !== "" ||
        (env.OS_APPLICATION_CREDENTIAL_NAME ?? "") !== ""
    )
        return true;
    if (config["openstack:applicationCredentialId"] !== undefined || config["openstack:applicationCredentialSecret"] !== undefined)
        return true;
    if ((env.OS_PASSWORD ?? "") !== "" || config["openstack:password"] !== undefined || (env.OS_TOKEN ?? "") !== "") return false;
    return undefined; // clouds.yaml (OS_CLOUD): the auth type is in a file we do not read
}

export function cloudCredentialVerdict(stack: string, config: Record<string, unknown>, env: NodeJS.ProcessEnv): CredentialVerdict {
    const id = config[`${NS}:cloudControllerCredentialId`];
    if (id !== undefined && config[`${NS}:cloudControllerCredentialSecret`] !== undefined) {
        return { note: `${stack}: cloud-controller credential supplied (${String(id)})` };
    }
    const supply = [
        `  openstack application credential create --role member --role load-balancer_member --description ` +
            `"k3s cloud controllers" ${stack.replace(/-infra$/, "")}-k3s-cloud-controllers`,
        `  pulumi config set -s ${stack} ${NS}:cloudControllerCredentialId <id>`,
        `  pulumi config set -s ${stack} --secret ${NS}:cloudControllerCredentialSecret <secret>`,
    ].join("\n");
    const appCred = deployingWithApplicationCredential(config, env);
    if (appCred && env.PLATFORM_UNRESTRICTED_CREDENTIAL !== "true") {
        return {
            note: `${stack}: cloud-controller credential would be created by up`,
            problem:
                `${stack}: up would create the cloud controllers' application credential, but you deploy with an ` +
                `application credential, which Keystone only lets create another when it is unrestricted. ` +
                `Create it once as a user (or with an unrestricted credential) and supply it:\n${supply}\n` +
                `(If your deploying credential really is --unrestricted, export PLATFORM_UNRESTRICTED_CREDENTIAL=true instead.)`,
        };
    }
    const who =
        appCred === undefined
            ? "your clouds.yaml identity (if that is a restricted application credential, supply one instead, see docs/delivery.md)"
            : appCred
              ? "your unrestricted application credential"
              : "your user";
    return { note: `${stack}: cloud-controller credential created by up, as ${who}` };
}
