/**
 * Offline synthesis: runs the Pulumi program for one stack under the SDK's mock monitor and
 * records every resource registration — type, name, parent, provider, inputs and the resource
 * options the engine would see (dependsOn, replaceOnChanges, protect, ...). Nothing contacts a
 * cloud; `secure:` config and generated secrets are deterministic placeholders.
 *
 * The options come from the registration request the SDK sends to the monitor (recordingMonitor.ts),
 * so the synth depends on the pinned @pulumi/pulumi version.
 */
import { setStacksDir } from "../../lib/config/stack";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { fakeInvoke, fakeState, placeholder } from "./fakes";
import { revealPlaceholders, SECRET_KEY } from "./normalize";
import { loadStackConfig, StackConfig } from "./stackConfig";
import { sortKeys, specHash } from "../../lib/naming";
import { kubernetesSettings, providerReplacePaths, replaceRules } from "./replace";
import { withoutRuntimeDiagnostics } from "./runtimeDiagnostics";
import { RecordingMonitor, urnOf } from "./recordingMonitor";
import type { StackOutputs, SynthResource, SynthResult } from "./result";

// The record's types and the monitor live beside the synth; importers keep reading them from here.
export type { AliasSpec, StackOutputs, SynthOptions, SynthResource, SynthResult } from "./result";
export { NO_OPTIONS } from "./result";
export { urnOf } from "./recordingMonitor";

export interface SynthRequest {
    readonly stack: string;
    /** Directory holding Pulumi.<stack>.yaml files. */
    readonly stacksDir: string;
    readonly project: string;
    /** Outputs of other stacks, for StackReferences. */
    readonly references?: StackOutputs;
    /** Config values to set or override (plain strings, as Pulumi stores them). */
    readonly overrides?: Record<string, string>;
    /** Override keys (fully qualified) that count as set with `--secret`. */
    readonly secretOverrides?: readonly string[];
    /** The program to run (the layer dispatcher). */
    readonly program: () => Promise<Record<string, unknown>>;
}

function stackRefState(ref: string, references: StackOutputs): Record<string, unknown> {
    const stackName = ref.split("/").pop() ?? ref;
    const outputs = references[stackName];
    if (!outputs) {
        throw new Error(`synth: StackReference "${ref}" names stack "${stackName}", which has not been synthesized`);
    }
    const secretOutputNames = Object.keys(outputs).filter((k) => {
        const v = outputs[k];
        return v !== null && typeof v === "object" && SECRET_KEY in (v as object);
    });
    return { name: ref, outputs: revealPlaceholders(outputs), secretOutputNames };
}

/** Config map for the runtime: plain values as-is, `secure:` values as placeholders (marked secret). */
function runtimeConfig(config: StackConfig, overrides: Record<string, string>): { values: Record<string, string>; secretKeys: string[] } {
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, entry] of Object.entries(config)) {
        if (entry.secure) {
            values[key] = placeholder("config", key.replace(/[^A-Za-z0-9-]/g, "-"));
            secretKeys.push(key);
        } else {
            values[key] = entry.value;
        }
    }
    return { values: { ...values, ...overrides }, secretKeys };
}

function valueAt(value: unknown, path: string[]): unknown {
    if (path.length === 0) return value;
    const [head, ...rest] = path;
    if (Array.isArray(value)) return head === "*" ? value.map((v) => valueAt(v, rest)) : valueAt(value[Number(head)], rest);
    return value !== null && typeof value === "object" ? valueAt((value as Record<string, unknown>)[head], rest) : undefined;
}

/** The name the fakes derive outputs from: for OpenStack resources, salted with the replace-forcing inputs. */
export function physicalName(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    replaceOnChanges: readonly string[],
    ignoreChanges: readonly string[] = [],
): string {
    if (!type.startsWith("openstack:")) return name;
    // An ignored input keeps its deployed value: it cannot make a new object.
    const ignored = (p: string) => ignoreChanges.some((i) => p === i || p.startsWith(`${i}.`) || p.startsWith(`${i}[`));
    const paths = [...providerReplacePaths(type, inputs), ...replaceOnChanges].filter((p) => !ignored(p));
    const identity = Object.fromEntries(
        paths.map((p) => [p, valueAt(inputs, p.replace(/\[\*\]/g, ".*").split("."))]).filter(([, v]) => v !== undefined),
    );
    return Object.keys(identity).length === 0 ? name : `${name}-${specHash(identity, 4)}`;
}

/** Each managed resource with the replace rules its provider (and its options) imply. */
export function withReplaceRules(resources: SynthResource[]): SynthResource[] {
    const providers = new Map(resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]));
    return resources.map((r) => {
        if (r.read || !r.custom || r.type.startsWith("pulumi:")) return r;
        const settings = kubernetesSettings(r.provider ? providers.get(r.provider)?.inputs : undefined);
        return { ...r, replaceOn: replaceRules(r, settings) };
    });
}

let running = false;

/**
 * The SDK's Stack keeps a second promise of the program's result; when the program throws, that
 * one rejects unhandled after `runInPulumiStack` has already rejected with the same error (the
 * language host installs a handler for it; a plain Node process would crash). Errors the synth
 * has reported to its caller are therefore not reported twice.
 */
const reported = new WeakSet<object>();
let handlerInstalled = false;
function swallowReported(): void {
    if (handlerInstalled) return;
    handlerInstalled = true;
    process.on("unhandledRejection", (reason) => {
        if (reason !== null && typeof reason === "object" && reported.has(reason)) return;
        throw reason;
    });
}

/** Synthesizes one stack. Runs are serialized: the Pulumi runtime state is process-global. */
export async function synthesize(request: SynthRequest): Promise<SynthResult> {
    if (running) throw new Error("synth: one stack at a time (the Pulumi runtime is process-global)");
    running = true;
    const restoreDiagnostics = withoutRuntimeDiagnostics();
    try {
        const config = loadStackConfig(request.stacksDir, request.stack, request.project);
        const { values, secretKeys: fileSecrets } = runtimeConfig(config, request.overrides ?? {});
        const secretKeys = [...fileSecrets, ...(request.secretOverrides ?? [])];
        const references = request.references ?? {};
        const monitor = new RecordingMonitor({
            newResource: async (args: pulumi.runtime.MockResourceArgs) => {
                if (args.type === "pulumi:pulumi:StackReference") {
                    return { id: args.name, state: stackRefState(args.inputs.name ?? args.name, references) };
                }
                // A replaced OpenStack resource is a new object: new id, new address. Deriving the
                // fakes from the inputs that force replacement lets that flow to dependents (a new
                // floating IP changes the kubeconfig; a new VM id re-triggers its lifecycle command).
                const opts = monitor.replaceOptions.get(`${args.type}::${args.name}`);
                const physical = physicalName(args.type, args.name, args.inputs, opts?.replaceOnChanges ?? [], opts?.ignoreChanges ?? []);
                return { id: `${physical}-id`, state: fakeState({ type: args.type, name: physical, inputs: args.inputs }) };
            },
            call: async (args: pulumi.runtime.MockCallArgs) => fakeInvoke(args.token, args.inputs),
        });
        // The URNs the mock hands back become parents of later registrations: use the engine's rule.
        (monitor as unknown as { newUrn: typeof urnOf }).newUrn = urnOf;
        settings.setMockOptions(monitor, request.project, request.stack, false, "organization");
        // The feature flags `setMocks` would set; `getStore` is internal to the SDK's typings.
        const store = (runtimeState as unknown as { getStore(): Record<string, unknown> }).getStore();
        Object.assign(store, {
            supportsSecrets: true,
            supportsResourceReferences: true,
            supportsOutputValues: false,
            supportsDeletedWith: true,
            supportsReplaceWith: true,
            supportsAliasSpecs: true,
        });
        pulumi.runtime.setAllConfig(values, secretKeys);
        setStacksDir(request.stacksDir);
        swallowReported();
        try {
            await runInPulumiStack(request.program);
        } catch (err) {
            if (err !== null && typeof err === "object") reported.add(err);
            // Let the failed run's registrations (the Stack's outputs) answer now, to this run's
            // monitor; otherwise they land in the next synth's and fail it.
            await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs().catch(() => undefined);
            throw err;
        }
        // Internal to the SDK (not in its typings): resolves once every registration has answered.
        await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        const resources = withReplaceRules([...monitor.recorded].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)));
        return {
            project: request.project,
            stack: request.stack,
            resources,
            outputs: sortKeys(monitor.stackOutputs ?? {}) as Record<string, unknown>,
        };
    } finally {
        pulumi.runtime.setAllConfig({}, []);
        restoreDiagnostics();
        running = false;
    }
}

/** The synth file's exact text: stable key order and a trailing newline. */
export function renderSynth(result: SynthResult): string {
    return `${JSON.stringify(sortKeys(result), null, 2)}\n`;
}
