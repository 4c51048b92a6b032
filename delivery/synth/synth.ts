/**
 * Offline synthesis: runs the Pulumi program for one stack under the SDK's mock monitor and
 * records every resource registration — type, name, parent, provider, inputs and the resource
 * options the engine would see (dependsOn, replaceOnChanges, protect, ...). Nothing contacts a
 * cloud; `secure:` config and generated secrets are deterministic placeholders.
 *
 * The options come from the registration request the SDK sends to the monitor (the public mock
 * API only exposes inputs), so this module depends on the pinned @pulumi/pulumi version.
 */
import { setStacksDir } from "../../lib/config/stack";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { fakeInvoke, fakeState, placeholder } from "./fakes";
import { normalizeProperty, revealPlaceholders, SECRET_KEY, SECRET_SIG, SIG } from "./normalize";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { loadStackConfig, StackConfig } from "./stackConfig";
import { sortKeys, specHash } from "../../lib/naming";
import { kubernetesSettings, providerReplacePaths, ReplaceRule, replaceRules } from "./replace";
import { withoutRuntimeDiagnostics } from "./runtimeDiagnostics";

export interface SynthOptions {
    readonly dependsOn: string[];
    readonly replaceOnChanges: string[];
    readonly deleteBeforeReplace: boolean;
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    readonly retainOnDelete: boolean;
    readonly additionalSecretOutputs: string[];
    readonly customTimeouts: Record<string, string>;
}

export interface SynthResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    /** True for resources that are read, not managed (StackReference). */
    readonly read?: boolean;
    readonly parent: string | null;
    readonly provider: string | null;
    readonly inputs: Record<string, unknown>;
    readonly options: SynthOptions;
    /**
     * Input paths whose change replaces the resource: the provider's rules at the pinned version
     * and the replaceOnChanges option (see replace.ts). Absent in synth files of older code.
     */
    readonly replaceOn?: ReplaceRule[];
    /** The resource's `aliases` option (former names/parents the engine matches state by); absent when none. */
    readonly aliases?: AliasSpec[];
}

/** One alias as the SDK sends it: a whole URN, or the parts that differ (unset parts: the resource's own). */
export interface AliasSpec {
    readonly urn?: string;
    readonly name?: string;
    readonly type?: string;
    /** The former parent; `noParent`: formerly a child of the stack. */
    readonly parentUrn?: string;
    readonly noParent?: boolean;
}

function aliasesOf(req: any): AliasSpec[] {
    return (req.getAliasesList?.() ?? []).map((a: any): AliasSpec => {
        if (a.getUrn()) return { urn: a.getUrn() };
        const spec = a.getSpec();
        return {
            ...(spec.getName() ? { name: spec.getName() } : {}),
            ...(spec.getType() ? { type: spec.getType() } : {}),
            ...(spec.getParenturn() ? { parentUrn: spec.getParenturn() } : {}),
            ...(spec.getNoparent() ? { noParent: true } : {}),
        };
    });
}

export interface SynthResult {
    readonly project: string;
    readonly stack: string;
    readonly resources: SynthResource[];
    readonly outputs: Record<string, unknown>;
}

/** Stack outputs visible to StackReferences, by stack name (the last segment of the reference). */
export type StackOutputs = Record<string, Record<string, unknown>>;

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

function providerUrn(ref: string): string | null {
    if (!ref) return null;
    const cut = ref.lastIndexOf("::");
    return cut > 0 ? ref.slice(0, cut) : ref;
}

/**
 * A resource's URN as the Pulumi engine forms it: the type is qualified by the parent's whole
 * qualified type, except under the root stack. (The SDK's mock monitor keeps only the parent's
 * last type and prefixes the stack's, so its URNs would not match a real stack's.)
 */
export function urnOf(parent: string, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2] : undefined;
    const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/** Records registrations as the SDK sends them, then lets the stock mock monitor answer. */
class RecordingMonitor extends MockMonitor {
    readonly recorded: SynthResource[] = [];
    /** replaceOnChanges and ignoreChanges by `type::name`, for the fake outputs (the mock API does not pass options). */
    readonly replaceOptions = new Map<string, { replaceOnChanges: string[]; ignoreChanges: string[] }>();
    stackOutputs: unknown;

    async registerResource(req: any, callback: (err: any, resp?: any) => void): Promise<void> {
        const urn = urnOf(req.getParent(), req.getType(), req.getName());
        const inputs = normalizeProperty(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
        const propertyDeps = new Set<string>();
        req.getPropertydependenciesMap().forEach((deps: any) => deps.getUrnsList().forEach((u: string) => propertyDeps.add(u)));
        const timeouts = req.getCustomtimeouts();
        this.replaceOptions.set(`${req.getType()}::${req.getName()}`, { replaceOnChanges: [...req.getReplaceonchangesList()], ignoreChanges: [...req.getIgnorechangesList()] });
        const aliases = aliasesOf(req);
        this.recorded.push({
            ...(aliases.length > 0 ? { aliases } : {}),
            urn,
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent() || null,
            provider: providerUrn(req.getProvider()),
            inputs,
            options: {
                // The request carries explicit and input-derived dependencies together; explicit
                // dependsOn is what no input accounts for.
                dependsOn: (req.getDependenciesList() as string[]).filter((u) => !propertyDeps.has(u)).sort(),
                replaceOnChanges: [...req.getReplaceonchangesList()].sort(),
                deleteBeforeReplace: req.getDeletebeforereplace(),
                protect: req.getProtect(),
                ignoreChanges: [...req.getIgnorechangesList()].sort(),
                retainOnDelete: req.getRetainondelete(),
                additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()].sort(),
                customTimeouts: Object.fromEntries(
                    (["create", "update", "delete"] as const)
                        .map((k) => [k, timeouts?.[`get${k[0].toUpperCase()}${k.slice(1)}`]?.() ?? ""])
                        .filter(([, v]) => v !== ""),
                ),
            },
        });
        // The engine, not the SDK, marks `additionalSecretOutputs` secret; do the same here so
        // synth outputs are as secret as a real deployment's.
        const secretOutputs: string[] = req.getAdditionalsecretoutputsList();
        return super.registerResource(req, (err: any, resp?: any) => {
            if (!err && resp && secretOutputs.length > 0) {
                const state = resp.getObject().toJavaScript() as Record<string, unknown>;
                for (const key of secretOutputs) {
                    if (key in state) state[key] = { [SIG]: SECRET_SIG, value: state[key] };
                }
                resp.setObject(Struct.fromJavaScript(state as any));
            }
            callback(err, resp);
        });
    }

    async readResource(req: any, callback: (err: any, resp?: any) => void): Promise<void> {
        const urn = urnOf(req.getParent(), req.getType(), req.getName());
        this.recorded.push({
            urn,
            type: req.getType(),
            name: req.getName(),
            custom: true,
            read: true,
            parent: req.getParent() || null,
            provider: providerUrn(req.getProvider()),
            inputs: normalizeProperty(req.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
            options: {
                dependsOn: [], replaceOnChanges: [], deleteBeforeReplace: false, protect: false,
                ignoreChanges: [], retainOnDelete: false, additionalSecretOutputs: [], customTimeouts: {},
            },
        });
        return super.readResource(req, callback);
    }

    registerResourceOutputs(req: any, callback: (err: any, resp?: any) => void): void {
        if (req.getUrn().split("::")[2] === "pulumi:pulumi:Stack") {
            this.stackOutputs = normalizeProperty(req.getOutputs()?.toJavaScript() ?? {});
        }
        return super.registerResourceOutputs(req, callback);
    }
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
export function physicalName(type: string, name: string, inputs: Record<string, unknown>, replaceOnChanges: readonly string[], ignoreChanges: readonly string[] = []): string {
    if (!type.startsWith("openstack:")) return name;
    // An ignored input keeps its deployed value: it cannot make a new object.
    const ignored = (p: string) => ignoreChanges.some((i) => p === i || p.startsWith(`${i}.`) || p.startsWith(`${i}[`));
    const paths = [...providerReplacePaths(type, inputs), ...replaceOnChanges].filter((p) => !ignored(p));
    const identity = Object.fromEntries(paths.map((p) => [p, valueAt(inputs, p.replace(/\[\*\]/g, ".*").split("."))]).filter(([, v]) => v !== undefined));
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
