/** The restore's Pulumi side: what it needs (RestoreOps), and that over the real Pulumi CLI. */
import {
    failureText,
    LineSink,
    parseExport,
    parsePreviewJson,
    parseStackOutputs,
    PreviewStep,
    PulumiCliOptions,
    runPulumi,
    StateResource,
} from "../deploy/pulumiCli";

/** What the restore needs from Pulumi; `cliRestoreOps` is the real CLI. */
export interface RestoreOps {
    /** The stack's config by key without the project namespace, secrets revealed. */
    config(stack: string): Promise<Record<string, unknown>>;
    /** The stack's outputs, secrets revealed. */
    outputs(stack: string): Promise<Record<string, unknown>>;
    resources(stack: string): Promise<StateResource[]>;
    configSet(stack: string, key: string, value: string): Promise<void>;
    configRm(stack: string, key: string): Promise<void>;
    /** `pulumi up`, replacing these URNs, with these variables added to its environment. */
    up(stack: string, replace: readonly string[], env: Record<string, string>, onLine: LineSink): Promise<void>;
    refresh(stack: string, onLine: LineSink): Promise<void>;
    /** `pulumi preview --json`: the steps an up would take now. */
    preview(stack: string): Promise<PreviewStep[]>;
}

/** `pulumi config --json` → key (without project namespace) → value (objects and JSON parsed). */
export function parseConfigJson(stdout: string): Record<string, unknown> {
    const doc = JSON.parse(stdout.trim() || "{}") as Record<string, { value?: unknown; objectValue?: unknown }>;
    return Object.fromEntries(
        Object.entries(doc).map(([key, v]) => [key.includes(":") ? key.slice(key.indexOf(":") + 1) : key, v.objectValue ?? v.value]),
    );
}

/** RestoreOps over the Pulumi CLI (the same spawning as up/down). */
export function cliRestoreOps(cli: PulumiCliOptions): RestoreOps {
    const policy = cli.policyPack ? ["--policy-pack", cli.policyPack] : [];
    const call = async (args: string[], onLine?: LineSink, env?: Record<string, string>) => {
        const r = await runPulumi(env ? { ...cli, env: { ...cli.env, ...env } } : cli, args, onLine, onLine === undefined);
        if (r.code !== 0) {
            // The command as a person would type it: `config set`, `stack export`, but `up`, `refresh`.
            const command = ["config", "stack"].includes(args[0]) && !args[1].startsWith("-") ? args.slice(0, 2) : args.slice(0, 1);
            throw new Error(`pulumi ${command.join(" ")} -s ${args[args.indexOf("--stack") + 1]} failed:\n${failureText(r)}`);
        }
        return r.stdout;
    };
    return {
        config: async (stack) => parseConfigJson(await call(["config", "--stack", stack, "--json", "--show-secrets"])),
        outputs: async (stack) => parseStackOutputs(await call(["stack", "output", "--stack", stack, "--json", "--show-secrets"])),
        resources: async (stack) => parseExport(await call(["stack", "export", "--stack", stack])),
        configSet: async (stack, key, value) => void (await call(["config", "set", key, value, "--stack", stack])),
        configRm: async (stack, key) => void (await call(["config", "rm", key, "--stack", stack])),
        up: async (stack, replace, env, onLine) =>
            void (await call(
                ["up", "--stack", stack, "--yes", "--non-interactive", ...policy, ...replace.flatMap((u) => ["--replace", u])],
                onLine,
                env,
            )),
        refresh: async (stack, onLine) => void (await call(["refresh", "--stack", stack, "--yes", "--non-interactive"], onLine)),
        async preview(stack) {
            const r = await runPulumi(cli, ["preview", "--stack", stack, "--json", "--non-interactive", ...policy]);
            const json = parsePreviewJson(r.stdout);
            if (r.code !== 0 || !json) throw new Error(`pulumi preview -s ${stack} failed:\n${failureText(r, json)}`);
            return json.steps;
        },
    };
}
