/**
 * The warning the offline diff adds when a deployment rotates the server token (infra
 * `serverTokenGeneration`: a new generation's token resource is created). What the plan's
 * replacements do not say by themselves. Pure: reads the diff's changes.
 */
import type { ChangeFields } from "./changes";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const GENERATION = /-server-token-g(\d+)$/;

type Change = ChangeFields<never>;

export function tokenRotationWarnings(changes: readonly Change[]): string[] {
    return changes
        .filter((c) => c.kind === "create" && c.type === PASSWORD && GENERATION.test(c.name))
        .map((c) => {
            const generation = Number(GENERATION.exec(c.name)![1]);
            return (
                `The server token rotates to generation ${generation} (\`${c.name}\`): the servers are replaced one ` +
                `at a time and the first new one runs \`k3s token rotate\` through the join URL before it joins. ` +
                `Until the roll ends, a server not yet replaced would not start ` +
                `again (restart, reboot) with its old token: let the roll finish. ` +
                `etcd snapshots taken before it need generation ${generation - 1}'s ` +
                `token to restore (docs/infra.md, "Rotating the server token").`
            );
        });
}
