/**
 * An environment's report from this checkout: synthesizes its three stacks (lower layers first)
 * and reads the optional price table through the infra layer's own config reader.
 */
import { parseInfraConfig } from "../../infra/config";
import type { PriceTable } from "../../infra/pricing";
import { strictLookup } from "../../lib/config/reader";
import { placeholder } from "../synth/fakes";
import { loadStackConfig } from "../synth/stackConfig";
import { PROJECT, STACKS_DIR, synthStack } from "../synth/stacks";
import type { SynthResult } from "../synth/synth";
import { buildReport, EnvironmentReport, EnvironmentSynth } from "./model";

export interface ReportOptions {
    readonly stacksDir?: string;
    readonly cache?: Map<string, SynthResult>;
}

/** The infra stack's price table; secure values become placeholders, as in the synth. */
export function pricesOf(stacksDir: string, infraStack: string): PriceTable | undefined {
    const config = loadStackConfig(stacksDir, infraStack, PROJECT);
    const prefix = `${PROJECT}:`;
    const get = (key: string) => {
        const entry = config[`${prefix}${key}`];
        if (!entry) return undefined;
        return entry.secure ? placeholder("config", key) : entry.value;
    };
    const keys = () =>
        Object.keys(config)
            .filter((k) => k.startsWith(prefix))
            .map((k) => k.slice(prefix.length));
    return parseInfraConfig(strictLookup(get, keys, `stacks/Pulumi.${infraStack}.yaml`), PROJECT, `stack ${infraStack}`).prices;
}

export async function synthEnvironment(env: string, options: ReportOptions = {}): Promise<EnvironmentSynth> {
    const stacksDir = options.stacksDir ?? STACKS_DIR;
    const cache = options.cache ?? new Map<string, SynthResult>();
    // One at a time: the synth drives the Pulumi runtime's global state.
    const infra = await synthStack(`${env}-infra`, { stacksDir, cache });
    const cluster = await synthStack(`${env}-cluster`, { stacksDir, cache });
    const apps = await synthStack(`${env}-apps`, { stacksDir, cache });
    return { infra, cluster, apps };
}

export async function environmentReport(env: string, options: ReportOptions = {}): Promise<EnvironmentReport> {
    const synth = await synthEnvironment(env, options);
    return buildReport(synth, pricesOf(options.stacksDir ?? STACKS_DIR, `${env}-infra`));
}

/**
 * The PR comment's capacity sections: one per environment whose three layers synthesize on the
 * head side. The head's price table prices both sides, so a cost change is a platform change,
 * never a change of the assumed prices. A base too old to report on shows as "—".
 */
export function capacitySections(
    base: ReadonlyMap<string, SynthResult>,
    head: ReadonlyMap<string, SynthResult>,
    render: (env: string, before: EnvironmentReport | undefined, after: EnvironmentReport) => string,
    stacksDir: string = STACKS_DIR,
): string[] {
    const envs = [...new Set([...head.keys()].filter((s) => s.endsWith("-infra")).map((s) => s.slice(0, -"-infra".length)))].sort();
    const sections: string[] = [];
    const synthOf = (side: ReadonlyMap<string, SynthResult>, env: string): EnvironmentSynth | undefined => {
        const [infra, cluster, apps] = ["infra", "cluster", "apps"].map((layer) => side.get(`${env}-${layer}`));
        return infra && cluster && apps ? { infra, cluster, apps } : undefined;
    };
    for (const env of envs) {
        const after = synthOf(head, env);
        if (!after) continue;
        let prices: PriceTable | undefined;
        try {
            prices = pricesOf(stacksDir, `${env}-infra`);
        } catch {
            prices = undefined;
        }
        const before = synthOf(base, env);
        let beforeReport: EnvironmentReport | undefined;
        try {
            beforeReport = before ? buildReport(before, prices) : undefined;
        } catch {
            beforeReport = undefined;
        }
        sections.push(render(env, beforeReport, buildReport(after, prices)));
    }
    return sections;
}
