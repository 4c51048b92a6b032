/**
 * The mock monitor that records every registration. The resource options come from the
 * registration request the SDK sends (the public mock API only exposes inputs), so this module
 * depends on the pinned @pulumi/pulumi version.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { normalizeProperty, SECRET_SIG, SIG } from "./normalize";
import { AliasSpec, NO_OPTIONS, SynthResource } from "./result";

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
export class RecordingMonitor extends MockMonitor {
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
        this.replaceOptions.set(`${req.getType()}::${req.getName()}`, {
            replaceOnChanges: [...req.getReplaceonchangesList()],
            ignoreChanges: [...req.getIgnorechangesList()],
        });
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
            options: NO_OPTIONS,
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
