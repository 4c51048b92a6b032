/**
 * `npm run status -- <env>`: nodes, pools and versions of the environment's cluster, and which
 * nodes the current configuration would replace (the infra synth against the live API; read-only,
 * see delivery/status.ts). The API is reached with the infra stack's admin kubeconfig output.
 * Exit 0 after a report, 1 when the configuration does not synthesize, 2 on bad usage.
 */
import { environmentsIn } from "../environments/environments";
import { runStatus } from "../status";
import { ROOT, STACKS_DIR } from "../synth/stacks";
import { runMain } from "./run";

async function main(): Promise<number> {
    const [env, ...extra] = process.argv.slice(2);
    const envs = environmentsIn(STACKS_DIR);
    const found = envs.find((e) => e.env === env);
    if (!env || extra.length > 0 || !found?.stacks.infra) {
        console.error(
            `usage: npm run status -- <env>   (environments with an infra stack: ${envs
                .filter((e) => e.stacks.infra)
                .map((e) => e.env)
                .join(", ")})`,
        );
        return 2;
    }
    return runStatus({
        env,
        infraStack: found.stacks.infra,
        stacksDir: STACKS_DIR,
        cli: { workDir: ROOT, env: process.env },
        log: (l) => console.log(l),
        error: (l) => console.error(l),
    });
}

runMain(main, { stack: true });
