/**
 * The project's restore command (delivery/restore/restoreCommand.ts `restore`) run against a
 * lifetime environment: its Pulumi half (RestoreOps) played by the ENGINE STAND-IN — config
 * set/rm on the environment's settings, `up` (with `--replace` and the environment variables the
 * command passes) by the engine, `preview` from the offline diff — and the bucket listed in the
 * object store stand-in. The steps, their order, the snapshot choice, the lifecycle's
 * `PLATFORM_SKIP_DRAIN=forget` and the readiness wait are the command's own.
 */
import { bucketSnapshots, restore } from "../../../delivery/restore/restoreCommand";
import type { RestoreOps } from "../../../delivery/restore/restoreCommand";
import { request, targetFromKubeconfig, waitForCluster } from "../../../infra/lifecycle/kubeApi";
import type { LifetimeEnvironment } from "./environment";
import type { ObjectStore } from "./objectStore";
import { nodesOf, planNodes } from "./plan";
import type { ScenarioContext } from "./scenario";

const INSTANCE = "openstack:compute/instance:Instance";

function unwrap(value: unknown): unknown {
    return value !== null && typeof value === "object" && "@secret" in (value as object)
        ? (value as { "@secret": unknown })["@secret"]
        : value;
}

function ops(env: LifetimeEnvironment, store: ObjectStore, s: ScenarioContext): RestoreOps {
    const current = () => env.config(env.version!);
    return {
        config: async () => ({ ...current() }),
        outputs: async () => ({
            kubeconfig: env.kubeconfig,
            environment: env.environment,
            nodes: [...nodesOf(env.deployed!).values()].map((v) => ({ name: String(v.instance.inputs.name) })),
            backupStore: store.credentials,
        }),
        resources: async () =>
            env
                .deployed!.resources.filter((r) => r.type === INSTANCE)
                .map((r) => ({ urn: r.urn, type: r.type, custom: true, inputs: { ...r.inputs, metadata: unwrap(r.inputs.metadata) } })),
        configSet: async (_stack, key, value) => void (env.settings[key] = value),
        configRm: async (_stack, key) => void delete env.settings[key],
        up: async (_stack, replace, environment, onLine) => {
            const byUrn = new Map([...nodesOf(env.deployed!).values()].map((v) => [v.instance.urn, v.component.name]));
            const components = replace.map((urn) => {
                const c = byUrn.get(urn);
                if (!c) throw new Error(`--replace ${urn}: no such instance in the state`);
                return c;
            });
            await env.up(current(), { log: onLine, step: s.step, environment }, { replace: components });
        },
        refresh: async () => undefined,
        preview: async () => {
            const plan = planNodes(env.deployed, await env.synth(current()));
            return plan.diff.changes.filter((c) => c.type === INSTANCE).map((c) => ({ op: c.kind, urn: c.urn }));
        },
    };
}

/** Runs the restore command (--yes) from the newest snapshot; resolves with its exit code. */
export function runRestore(env: LifetimeEnvironment, store: ObjectStore, s: ScenarioContext): Promise<number> {
    return restore({
        env: env.environment,
        infraStack: env.spec.stack,
        upperStacks: [],
        ops: ops(env, store, s),
        // The folder the command chose, listed through the host's endpoint of the same bucket.
        listSnapshots: (_access, folder) => bucketSnapshots(store.hostAccess(), folder),
        apiAnswers: async (kubeconfig) => {
            try {
                return (await request(targetFromKubeconfig(kubeconfig), "GET", "/readyz")).status === 200;
            } catch {
                return false;
            }
        },
        waitCluster: (kubeconfig, nodes, timeoutSeconds, log) =>
            waitForCluster(targetFromKubeconfig(kubeconfig), nodes, { timeoutMs: timeoutSeconds * 1000, log }),
        now: () => new Date(),
        log: (line) => s.log(`      restore: ${line}`),
        error: (line) => s.log(`      restore (error): ${line}`),
    });
}
