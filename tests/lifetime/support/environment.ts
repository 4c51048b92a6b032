/**
 * One environment's life in the lifetime suite: its config (a stack of the project plus the
 * suite's overrides), the deployed state (the last synth applied, the stack's outputs once its
 * readiness gate passed), and `up`: synth the new config, plan from the offline diff, let the
 * engine stand-in carry the plan out on the cloud stand-in's VMs. Secrets (CAs, tokens) are
 * made once per environment and reused by every render, as the stack's random/tls resources are.
 */
import { defaultPoolCount, renderCluster, AddressPlan, BootCluster } from "../../boot/support/cluster";
import { clusterSecrets } from "../../boot/support/cluster";
import { randomBytes } from "node:crypto";
import type { NodeSecrets } from "../../../infra/cloudinit";
import { secureToken, TOKEN_USERS } from "../../../infra/joinToken";
import { PROJECT, synthStack } from "../../../delivery/synth/stacks";
import type { SynthResult } from "../../../delivery/synth/synth";
import { adminKubeconfig, clusterId, targetOf } from "./access";
import { LifetimeCloud, VOLUME_IDS } from "./cloud";
import { gatePassedOnNewVm } from "./checks";
import { applyPlan, EngineContext, StepPhase } from "./engine";
import { describePlan, EnginePlan, NodeStep, planNodes } from "./plan";

export interface EnvironmentSpec {
    readonly stack: string;
    readonly plan: AddressPlan;
    /** Agents in the default pool. */
    readonly agents: number;
    /** More of pool default's settings than its count, e.g. `{ maxUnavailable: 2 }` (batched rolls). */
    readonly defaultPool?: Record<string, unknown>;
    /** The only server keeps its datastore on a volume (dev). */
    readonly datastore: boolean;
    /** Settings on top of the stack's (bare keys), e.g. the backup store. */
    readonly settings?: Record<string, string>;
    /** Keys of `settings` that are set as secrets (`pulumi config set --secret`). */
    readonly secretSettings?: readonly string[];
    /** The object store credential the servers get for etcd snapshots (backupStore). */
    readonly etcdS3?: NodeSecrets["etcdS3"];
}

/** The server token generation a config selects (infra `serverTokenGeneration`). */
export const tokenGeneration = (config: Record<string, string>) => Number(config.serverTokenGeneration ?? "1");

export class LifetimeEnvironment {
    readonly secrets: NodeSecrets;
    /** The server token of each generation (index 0: generation 1), made when first used, as the stack's RandomPasswords. */
    private readonly tokens: string[];
    /** Config set and removed during the environment's life (`pulumi config set`/`rm`). */
    readonly settings: Record<string, string>;
    /** Agents in the default pool now (agent-scale changes it). */
    agents: number;
    /** The k3s version of the last successful up. */
    version?: string;
    deployed?: SynthResult;
    /** The stack's outputs after its last successful up (none before the first). */
    outputs?: Record<string, unknown>;
    readonly kubeconfig: string;

    constructor(
        readonly spec: EnvironmentSpec,
        readonly cloud: LifetimeCloud,
    ) {
        this.secrets = { ...clusterSecrets(), ...(spec.etcdS3 ? { etcdS3: spec.etcdS3 } : {}) };
        this.tokens = [this.secrets.token];
        this.settings = { ...spec.settings };
        this.agents = spec.agents;
        this.kubeconfig = adminKubeconfig(this.secrets, `${spec.stack}-lifetime`, cloud.apiUrl);
    }

    /** The environment's name (the stack's `environment`). */
    get environment(): string {
        return this.spec.stack.replace(/-infra$/, "");
    }

    get target() {
        return targetOf(this.kubeconfig);
    }

    /** Config keys (bare) of this environment at `k3sVersion` (plus `extra`). */
    config(k3sVersion: string, extra: Record<string, string> = {}): Record<string, string> {
        return {
            ...this.cloud.run.mirrorOverrides(),
            ...this.pools(),
            ...this.settings,
            k3sVersion,
            ...extra,
        };
    }

    /** `agentPools`: the stack's pools, pool default with this environment's count and settings. */
    private pools(): Record<string, string> {
        const { agentPools } = defaultPoolCount(this.spec.stack, this.agents);
        if (!this.spec.defaultPool) return { agentPools };
        const pools = JSON.parse(agentPools) as Record<string, Record<string, unknown>>;
        return { agentPools: JSON.stringify({ ...pools, default: { ...pools.default, ...this.spec.defaultPool } }) };
    }

    /** The secrets a render at `config` uses: its generation's token, and the one before it (the rotation). */
    secretsFor(config: Record<string, string>): NodeSecrets {
        const g = tokenGeneration(config);
        const token = (n: number) =>
            (this.tokens[n - 1] ??= secureToken(this.secrets.ca!.serverCaCert, TOKEN_USERS.server, randomBytes(24).toString("hex")));
        return { ...this.secrets, token: token(g), ...(g > 1 ? { previousToken: token(g - 1) } : {}) };
    }

    render(config: Record<string, string>, opts: { datastore?: boolean } = {}): BootCluster {
        const datastore = opts.datastore ?? this.spec.datastore;
        return renderCluster(
            this.spec.stack,
            config,
            this.spec.plan,
            VOLUME_IDS.data,
            datastore ? VOLUME_IDS.datastore : undefined,
            this.secretsFor(config),
            this.spec.secretSettings,
        );
    }

    synth(config: Record<string, string>): Promise<SynthResult> {
        const overrides = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v]));
        const secretOverrides = (this.spec.secretSettings ?? []).map((k) => `${PROJECT}:${k}`);
        return synthStack(this.spec.stack, { overrides, secretOverrides, ...(this.outputs ? { previousOutputs: this.outputs } : {}) });
    }

    /**
     * `pulumi up` of the infra stack at `config`, by the engine stand-in: returns the plan it
     * carried out. `replace`: node components replaced regardless (`--replace`); `force`: the
     * harness imposing an old behaviour on new VMs (negative cases), with `render` options.
     */
    async up(
        config: Record<string, string>,
        ctx: Pick<EngineContext, "log" | "step" | "force" | "environment" | "between" | "progress">,
        opts: { replace?: readonly string[]; render?: { datastore?: boolean } } = {},
    ): Promise<EnginePlan> {
        ctx.step("synth and plan");
        const after = await this.synth(config);
        const plan = planNodes(this.deployed, after, { replace: opts.replace });
        for (const line of describePlan(plan)) ctx.log(`    plan: ${line}`);
        // Every new node's gate must have passed on that node (a forced old behaviour is judged by the loss checks instead).
        const progress = async (step: NodeStep, phase: StepPhase) => {
            if (phase === "ready" && !ctx.force) await gatePassedOnNewVm(this.cloud, this.target, step, ctx.log);
            await ctx.progress?.(step, phase);
        };
        await applyPlan({ ...ctx, progress, cloud: this.cloud, kubeconfig: this.kubeconfig }, plan, this.render(config, opts.render));
        this.deployed = after;
        this.version = config.k3sVersion;
        // What the stack publishes once its readiness gate passed (infra/bootstrap.ts reads it).
        const generation = tokenGeneration(config);
        this.outputs = {
            clusterId: await clusterId(this.target),
            apiEndpoint: this.cloud.apiUrl,
            ...(generation > 1 ? { serverTokenGeneration: generation } : {}),
        };
        return plan;
    }
}
