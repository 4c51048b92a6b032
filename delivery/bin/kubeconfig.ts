/**
 * `npm run kubeconfig -- <env> --user <name> [--hours N] [--out FILE]`
 *
 * A personal cluster-admin kubeconfig for a few hours (default 8, at most 24), issued through
 * the cluster's CSR API with the deploy identity (delivery/access/adminKubeconfig.ts). Written with
 * mode 0600 to FILE (default ~/.kube/<env>-<name>.yaml).
 */
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_HOURS, issueAdminKubeconfig, MAX_HOURS, requestProblem, writePrivate } from "../access/adminKubeconfig";
import { environmentsIn } from "../environments/environments";
import { runCommand } from "../deploy/checks/preflight";
import { commandLineOr } from "./args";
import { runMain } from "./run";

const ROOT = path.resolve(__dirname, "..", "..");

async function main(): Promise<number> {
    const envs = environmentsIn(path.join(ROOT, "stacks")).map((e) => e.env);
    const usage =
        `usage: npm run kubeconfig -- <env> --user <name> [--hours 1-${MAX_HOURS}, default ${DEFAULT_HOURS}] ` +
        `[--out FILE]   (environments: ${envs.join(", ")})`;
    const flags = { user: { type: "string" }, hours: { type: "string" }, out: { type: "string" } } as const;
    const parsed = commandLineOr(process.argv.slice(2), flags, usage);
    if (!parsed) return 2;
    const [env, ...extra] = parsed.positionals;
    const { user, hours, out: outFile } = parsed.values;
    if (!env || extra.length > 0 || !user) {
        console.error(usage);
        return 2;
    }
    if (!envs.includes(env)) {
        console.error(`unknown environment "${env}"; known: ${envs.join(", ")}`);
        return 2;
    }
    const req = { env, user, hours: Number(hours ?? DEFAULT_HOURS) };
    const problem = requestProblem(req);
    if (problem) {
        console.error(`${problem}\n${usage}`);
        return 2;
    }
    const out = path.resolve(outFile ?? path.join(os.homedir(), ".kube", `${env}-${user}.yaml`));
    const issued = await issueAdminKubeconfig(req, { run: runCommand(), workDir: ROOT, log: (line) => console.error(line) });
    writePrivate(out, issued.kubeconfig);
    console.log(`wrote ${out} (mode 0600): user ${user}, group data-platform:admins, valid until ${issued.notAfter}`);
    console.log(`use it: export KUBECONFIG=${out}`);
    return 0;
}

runMain(main);
