/**
 * What is deployed, as far as the backend tells: per stack, the commit of its last update (the
 * CLI records `git.head` and `git.dirty` with every update) and its resources from the state.
 * Undefined when no backend is reachable; the rollback then judges against the checkout and says so.
 */
import type { ResourceView } from "./downgrades";
import { parseExport, parseHistory, PulumiCliOptions, runPulumi, urnParts } from "../deploy/pulumiCli";

export interface DeployedStack {
    readonly stack: string;
    /** The commit of the last update, when the CLI recorded one. */
    readonly commit?: string;
    readonly dirty: boolean;
    readonly resources: ResourceView[];
}

export async function readDeployed(cli: PulumiCliOptions, stacks: readonly string[]): Promise<Map<string, DeployedStack> | undefined> {
    const who = await runPulumi(cli, ["whoami"]);
    if (who.code !== 0) return undefined;
    const out = new Map<string, DeployedStack>();
    for (const stack of stacks) {
        const history = await runPulumi(cli, ["stack", "history", "--stack", stack, "--json", "--page-size", "1"]);
        if (history.code !== 0) continue; // no such stack: nothing deployed there
        const { version, environment } = parseHistory(history.stdout);
        if (version === 0) continue;
        const exported = await runPulumi(cli, ["stack", "export", "--stack", stack]);
        if (exported.code !== 0) continue;
        const resources = parseExport(exported.stdout)
            .filter((r) => r.custom !== false && !r.type.startsWith("pulumi:"))
            .map((r) => ({ type: r.type, name: urnParts(r.urn).name, inputs: r.inputs ?? {} }));
        const commit = environment["git.head"];
        out.set(stack, {
            stack,
            ...(commit && /^[0-9a-f]{40}$/.test(commit) ? { commit } : {}),
            dirty: environment["git.dirty"] === "true",
            resources,
        });
    }
    return out;
}

/** One line saying what the rollback was judged against. */
export function basisLine(deployed: Map<string, DeployedStack> | undefined, stacks: readonly string[], from: string | undefined): string {
    if (from) return `Judged against ${from} (--from), not the backend.`;
    if (!deployed)
        return (
            "Judged against this checkout: no Pulumi backend reachable (pass --from <the " +
            "deployed tag> when this checkout is not what runs)."
        );
    const parts = stacks.map((s) => {
        const d = deployed.get(s);
        if (!d) return `${s}: not deployed`;
        if (!d.commit) return `${s}: state (no commit recorded; code compared: this checkout)`;
        return `${s}: state of commit ${d.commit.slice(0, 12)}${d.dirty ? " (+ uncommitted changes)" : ""}`;
    });
    return `Judged against what is deployed (backend): ${parts.join("; ")}.`;
}
