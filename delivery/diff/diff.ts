/**
 * Resource diff between two synth results of one stack, as the engine would plan it from the
 * recorded inputs and options: a resource is identified by its logical identity (type and name,
 * with its parents'), so a change in how a harness spells URNs is no churn; a new identity is a
 * create, a gone one a delete, changed inputs an update — or a replace when a changed input is
 * one the provider replaces on at the pinned version (delivery/providers/tables) or one the
 * resource's `replaceOnChanges` names. Inputs under the resource's `ignoreChanges` are left out,
 * as the engine leaves them.
 *
 * Pure: no Pulumi runtime, no I/O. Secret values (`{"@secret": ...}`) are compared but never shown.
 */
import type { SynthResource, SynthResult } from "../synth/synth";
import { kubernetesSettings, ReplaceRule, replaceRules } from "../synth/replace";
import { providerResourceDiff } from "../synth/providerReplace";
import { formatPath, parsePath, pathMatches, Segment } from "./paths";
import { rollOrder } from "./rollOrder";
import { onlyServerWarnings } from "./serverWarnings";
import { tokenRotationWarnings } from "./tokenWarnings";
import { backupCredentialWarnings } from "./backupWarnings";
import { adminAccessWarnings } from "./accessWarnings";
import type { ChangeKind, InputChange, ResourceChange, StackDiff } from "./changes";
import { changedInputs, keyInputs, stable } from "./inputs";
import { byUrn, identitiesOf, identityOf, identityOfUrn } from "./identity";

// The parts live beside the diff; importers keep reading them from here.
export type { ChangeKind, InputChange, ResourceChange, StackDiff } from "./changes";
export { changedInputs, keyInputs } from "./inputs";
export { identitiesOf, identityOf } from "./identity";

/** The replace rules the engine applies to `resource` (recorded by the synth, else derived now). */
function rulesOf(resource: SynthResource, all: SynthResult | undefined): ReplaceRule[] {
    if (resource.replaceOn) return resource.replaceOn;
    const provider = resource.provider ? all?.resources.find((r) => r.urn === resource.provider) : undefined;
    return replaceRules(resource, kubernetesSettings(provider?.inputs));
}

/** True when an ignoreChanges path covers the change (the change is at or below it). */
function ignored(patterns: readonly string[], change: InputChange): boolean {
    return patterns.some((p) => {
        const segments = parsePath(p);
        return segments.length <= change.segments.length && pathMatches(segments, change.segments);
    });
}

const OPTION_KEYS = [
    "protect",
    "retainOnDelete",
    "deleteBeforeReplace",
    "replaceOnChanges",
    "ignoreChanges",
    "dependsOn",
    "additionalSecretOutputs",
    "customTimeouts",
] as const;

function compare(
    before: SynthResource,
    after: SynthResource,
    head: SynthResult | undefined,
    base: SynthResult | undefined,
): ResourceChange | undefined {
    // The engine diffs with the new program's ignoreChanges: those inputs keep their old value.
    const all = changedInputs(before.inputs, after.inputs);
    const inputs = all.filter((c) => !ignored(after.options.ignoreChanges, c));
    const ignoredPaths = all.filter((c) => !inputs.includes(c)).map((c) => c.path);
    const options = OPTION_KEYS.filter((k) =>
        k === "dependsOn" ? !sameDependencies(before, after, base, head) : stable(before.options[k]) !== stable(after.options[k]),
    ).map(String);
    const providerChanged = identityOfUrn(before.provider, base) !== identityOfUrn(after.provider, head);
    if (inputs.length === 0 && options.length === 0 && !providerChanged) {
        return undefined;
    }

    const reasons: string[] = [];
    const why: string[] = [];
    for (const rule of rulesOf(after, head)) {
        const segments = parsePath(rule.path);
        const hits = inputs.filter((c) => pathMatches(segments, c.segments));
        if (hits.length === 0) continue;
        const fields = [...new Set(hits.map((h) => topPath(h.segments, segments)))];
        for (const f of fields) if (!why.includes(f)) why.push(f);
        const source =
            rule.source === "provider"
                ? `the ${after.type.split(":")[0]} provider replaces on \`${rule.path}\``
                : `replaceOnChanges: \`${rule.path}\``;
        reasons.push(`${fields.map((f) => `\`${f}\``).join(", ")} changed (${source})`);
    }
    if (providerChanged) reasons.push("its provider changed");
    const verdict = providerResourceDiff(after.type, before.inputs, after.inputs);
    if (verdict?.replace) {
        reasons.push(...verdict.reasons);
        for (const f of verdict.why) if (!why.includes(f)) why.push(f);
    }
    const kind: ChangeKind = after.custom && reasons.length > 0 ? "replace" : "update";
    return {
        kind,
        urn: after.urn,
        type: after.type,
        name: after.name,
        inputs,
        options: providerChanged ? [...options, "provider"] : options,
        reasons: kind === "replace" ? [...new Set(reasons)] : [],
        why: kind === "replace" ? why : [],
        ignored: ignoredPaths,
        ...(verdict && !verdict.replace && verdict.reasons.length > 0 ? { notes: verdict.reasons } : {}),
        before,
        after,
    };
}

/**
 * A replaced provider takes every resource it manages with it (the engine replaces them on the
 * new provider): those become replacements, and the provider's change lists them.
 */
function spreadProviderReplacements(changes: ResourceChange[], before: Map<string, SynthResource>, head: SynthResult | undefined): number {
    let spread = 0;
    for (const [i, p] of changes.entries()) {
        if (p.kind !== "replace" || !p.type.startsWith("pulumi:providers:")) continue;
        const dependents: string[] = [];
        for (const r of head?.resources ?? []) {
            if (!r.custom || r.read || r.provider !== p.urn) continue;
            const old = before.get(identityOf(r, head));
            if (!old) continue; // created anyway
            dependents.push(r.name);
            const reason = `its provider \`${p.name}\` is replaced`;
            const at = changes.findIndex((c) => c.urn === r.urn && c.kind !== "delete" && c.kind !== "create");
            if (at >= 0) {
                const c = changes[at];
                changes[at] = {
                    ...c,
                    kind: "replace",
                    reasons: [...new Set([...c.reasons, reason])],
                    why: c.why.length > 0 ? c.why : ["provider"],
                };
            } else {
                changes.push({
                    kind: "replace",
                    urn: r.urn,
                    type: r.type,
                    name: r.name,
                    inputs: [],
                    options: [],
                    reasons: [reason],
                    why: ["provider"],
                    ignored: [],
                    before: old,
                    after: r,
                });
                spread++;
            }
        }
        changes[i] = { ...p, dependents: dependents.sort() };
    }
    return spread;
}

/** dependsOn compared by what the URNs name (a dependency whose parent was aliased is the same one). */
function sameDependencies(
    before: SynthResource,
    after: SynthResource,
    base: SynthResult | undefined,
    head: SynthResult | undefined,
): boolean {
    if (stable(before.options.dependsOn) === stable(after.options.dependsOn)) return true;
    if (before.options.dependsOn.length !== after.options.dependsOn.length) return false;
    const old = new Set(before.options.dependsOn.map((u) => identityOfUrn(u, base)));
    return after.options.dependsOn.every((u) => {
        const found = byUrn(head, u);
        return (found ? identitiesOf(found, head) : [identityOfUrn(u, head)]).some((id) => old.has(id));
    });
}

/** The changed path, cut to the pattern's depth when the pattern is shorter (the reason names what the pattern names). */
function topPath(changed: Segment[], pattern: Segment[]): string {
    if (pattern.length === 1 && pattern[0] === "*") return formatPath(changed.slice(0, 1));
    return formatPath(pattern.length < changed.length ? changed.slice(0, pattern.length) : changed);
}

const KIND_ORDER: Record<ChangeKind, number> = { replace: 0, delete: 1, create: 2, update: 3 };

/** Diff of one stack. Either side may be missing (a stack added or removed by the change). */
export function diffSynth(base: SynthResult | undefined, head: SynthResult | undefined): StackDiff {
    const stack = head?.stack ?? base?.stack ?? "(unknown)";
    const managed = (r: SynthResult | undefined) => {
        const list = (r?.resources ?? []).filter((x) => !x.read);
        return new Map(list.map((x) => [identityOf(x, r), x]));
    };
    const before = managed(base);
    // A head resource matches the base by its identity or, failing that, by one its aliases give it.
    const after = new Map<string, SynthResource>();
    for (const r of (head?.resources ?? []).filter((x) => !x.read)) {
        const ids = r.aliases || r.parent ? identitiesOf(r, head) : [identityOf(r, head)];
        after.set(ids.find((id) => before.has(id)) ?? ids[0], r);
    }
    const changes: ResourceChange[] = [];
    let unchanged = 0;
    for (const [id, b] of before) {
        const a = after.get(id);
        if (!a) {
            changes.push({
                kind: "delete",
                urn: b.urn,
                type: b.type,
                name: b.name,
                inputs: [],
                options: [],
                reasons: [],
                why: [],
                ignored: [],
                before: b,
            });
            continue;
        }
        const change = compare(b, a, head, base);
        if (change) changes.push(change);
        else unchanged++;
    }
    for (const [id, a] of after) {
        if (!before.has(id))
            changes.push({
                kind: "create",
                urn: a.urn,
                type: a.type,
                name: a.name,
                inputs: keyInputs(a),
                options: [],
                reasons: [],
                why: [],
                ignored: [],
                after: a,
            });
    }
    unchanged -= spreadProviderReplacements(changes, before, head);
    // A replaced provider leads: the replacements after it are its blast radius.
    const lead = (c: ResourceChange) => (c.type.startsWith("pulumi:providers:") ? 0 : 1);
    changes.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || lead(x) - lead(y) || (x.urn < y.urn ? -1 : x.urn > y.urn ? 1 : 0));
    const outKeys = [...new Set([...Object.keys(base?.outputs ?? {}), ...Object.keys(head?.outputs ?? {})])].sort();
    const outputs = outKeys.filter((k) => stable(base?.outputs?.[k]) !== stable(head?.outputs?.[k]));
    const note = !base && head ? "new stack: not in the base" : base && !head ? "stack removed: not in the head" : undefined;
    const replacedVms = new Set(
        changes.filter((c) => c.kind === "replace" && c.type === "openstack:compute/instance:Instance").map((c) => c.after!.urn),
    );
    const roll = head && replacedVms.size > 0 ? rollOrder(head, replacedVms) : [];
    const warnings = [
        ...onlyServerWarnings(changes, head),
        ...backupCredentialWarnings(changes),
        ...tokenRotationWarnings(changes),
        ...adminAccessWarnings(changes, base, head),
    ];
    return {
        stack,
        changes,
        unchanged,
        outputs,
        ...(note ? { note } : {}),
        ...(roll.length > 0 ? { roll } : {}),
        ...(warnings.length ? { warnings } : {}),
    };
}

/**
 * Exit code of `npm run diff`: 1 when a head stack does not synthesize, so a local run fails;
 * 0 in a pull-request job, which must still post the report that says so.
 */
export function diffExitCode(headFailures: number, pullRequest: boolean): number {
    return headFailures > 0 && !pullRequest ? 1 : 0;
}

/** True in a GitHub pull-request job (the preview workflow). */
export function inPullRequestJob(env: NodeJS.ProcessEnv): boolean {
    return (env.GITHUB_EVENT_NAME ?? "").startsWith("pull_request");
}

export function countByKind(diff: StackDiff): Record<ChangeKind, number> {
    const counts: Record<ChangeKind, number> = { create: 0, delete: 0, update: 0, replace: 0 };
    for (const c of diff.changes) counts[c.kind]++;
    return counts;
}

export function hasChanges(diff: StackDiff): boolean {
    return diff.changes.length > 0 || diff.outputs.length > 0;
}
