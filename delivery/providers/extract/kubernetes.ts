/**
 * pulumi-kubernetes' replace-on-change rules, read from `provider/pkg/provider/diff.go`: the
 * `forceNew` table (group → version → kind → property paths, built from `properties{...}`
 * literals, `append(...)` and the prefix helper functions) and the Secret/ConfigMap rules of
 * `forceNewProperties`, plus the Helm Release's `forceNewFields`; and when the provider resource
 * itself is replaced, from `DiffConfig` in `provider/pkg/provider/provider.go`.
 */
import { funcBody, matchClose } from "./gosource";

type Value = string[] | Map<string, Value>;

export interface KubernetesRules {
    /** `group/version/Kind` (core group as "core") → Pulumi property paths. */
    readonly kinds: Record<string, string[]>;
    /** Paths every object has (metadata name/namespace). */
    readonly metadata: string[];
    /** Secrets: replaced on these unless the provider's enableSecretMutable is on and the Secret is not immutable. */
    readonly secret: string[];
    /** ConfigMaps: the same with enableConfigMapMutable. */
    readonly configMap: string[];
    /** kubernetes:helm.sh/v3:Release. */
    readonly helmRelease: string[];
}

/** `.spec.containers[*].image` → `spec.containers[*].image`. */
function toPath(jsonPath: string): string {
    return jsonPath.replace(/^\./, "");
}

export function kubernetesRules(diffGo: string, helmGo: string): KubernetesRules {
    // Helpers: func name(prefix string) / (prefixes ...string) returning prefix + "..." literals.
    const helpers = new Map<string, string[]>();
    for (const m of diffGo.matchAll(/func\s+([A-Za-z]+)\((prefix|prefixes)\b[^)]*\)\s*properties\s*\{/g)) {
        const body = funcBody(diffGo, m[1]) ?? "";
        helpers.set(
            m[1],
            [...body.matchAll(/prefix\s*\+\s*"([^"]+)"/g)].map((x) => x[1]),
        );
    }
    const vars = new Map<string, string>();
    for (const m of diffGo.matchAll(/^var\s+([A-Za-z_]+)\s*=\s*/gm)) {
        const start = m.index + m[0].length;
        const brace = diffGo.indexOf("{", start);
        const paren = diffGo.indexOf("(", start);
        const open = paren >= 0 && paren < brace ? paren : brace;
        vars.set(m[1], diffGo.slice(start, matchClose(diffGo, open)));
    }
    const evalExpr = (expr: string): Value => {
        expr = expr
            .trim()
            .replace(/\.\.\.$/, "")
            .trim();
        if (vars.has(expr)) return evalExpr(vars.get(expr)!);
        let m = /^append\(/.exec(expr);
        if (m) {
            const inner = expr.slice(m[0].length, matchClose(expr, m[0].length - 1) - 1);
            return splitTop(inner).flatMap((part) => evalExpr(part) as string[]);
        }
        m = /^properties\{/.exec(expr);
        if (m) return [...expr.matchAll(/"([^"]+)"/g)].map((x) => x[1]);
        m = /^([A-Za-z]+)\(/.exec(expr);
        if (m && helpers.has(m[1])) {
            const args = [...expr.slice(m[0].length).matchAll(/"([^"]+)"/g)].map((x) => x[1]);
            return args.flatMap((prefix) => helpers.get(m![1])!.map((suffix) => prefix + suffix));
        }
        m = /^_(groups|versions|kinds)\{/.exec(expr);
        if (m) {
            const open = m[0].length - 1;
            const body = expr.slice(open + 1, matchClose(expr, open) - 1);
            const map = new Map<string, Value>();
            for (const part of splitTop(body)) {
                const kv = /^\s*"([^"]*)"\s*:\s*([\s\S]+)$/.exec(part);
                if (kv) map.set(kv[1], evalExpr(kv[2]));
            }
            return map;
        }
        throw new Error(`kubernetes diff.go: cannot read ${expr.slice(0, 60)}`);
    };
    const table = evalExpr("forceNew") as Map<string, Value>;
    const kinds: Record<string, string[]> = {};
    for (const [group, versions] of table) {
        if (group === "") continue; // the legacy alias of "core"
        for (const [version, kindMap] of versions as Map<string, Value>) {
            for (const [kind, props] of kindMap as Map<string, Value>) {
                kinds[`${group}/${version}/${kind}`] = [...new Set((props as string[]).map(toPath))];
            }
        }
    }
    const fn = funcBody(diffGo, "forceNewProperties") ?? "";
    const literalAt = (marker: RegExp) => {
        const at = fn.search(marker);
        const lit = /properties\{([^}]*)\}/.exec(fn.slice(at));
        return lit ? [...lit[1].matchAll(/"([^"]+)"/g)].map((x) => toPath(x[1])) : [];
    };
    const metadata = (helpers.get("metadataForceNewProperties") ?? []).map((s) => toPath(`.metadata${s}`));
    const helm = /forceNewFields\s*:=\s*\[\]string\{([^}]*)\}/.exec(helmGo);
    return {
        kinds,
        metadata,
        secret: literalAt(/IsSecret\(obj\)/),
        configMap: literalAt(/IsConfigMap\(obj\)/),
        helmRelease: helm ? [...helm[1].matchAll(/"([^"]+)"/g)].map((x) => toPath(x[1])) : [],
    };
}

/**
 * When pulumi-kubernetes replaces its provider resource (and with it every object it manages):
 * the facts of `DiffConfig`. The reading is strict: if the function no longer says what these
 * fields describe, regeneration fails and the rule must be read again.
 */
export interface ProviderConfigRule {
    /** The input that, when set, decides replacement alone. */
    readonly identifier: string;
    /** Set before and after with different values: replace. */
    readonly identifierChangeReplaces: boolean;
    /** Set after and unchanged: nothing else replaces. Added or removed: the rules below apply. */
    readonly identifierUnchangedNeverReplaces: boolean;
    /** Inputs whose unknown (computed) new value replaces. */
    readonly unknownReplaces: string[];
    /** Inputs that select the kubeconfig's active cluster; a change of that cluster entry replaces on those that changed. */
    readonly activeCluster: string[];
    /** Inputs whose every change replaces. */
    readonly alwaysReplace: string[];
}

export function providerConfigRule(providerGo: string): ProviderConfigRule {
    const body = funcBody(providerGo, "DiffConfig");
    if (!body) throw new Error("kubernetes provider.go: no DiffConfig");
    const need = (re: RegExp, what: string): RegExpExecArray => {
        const m = re.exec(body);
        if (!m) throw new Error(`kubernetes provider.go DiffConfig: cannot find ${what}; read the rule again`);
        return m;
    };
    const keyConst = /clusterIdentifierKey\s*=\s*"([^"]+)"/.exec(providerGo);
    if (!keyConst) throw new Error("kubernetes provider.go: no clusterIdentifierKey constant");
    need(
        /if diff\.Updated\(clusterIdentifierKey\)\s*\{\s*replaces = append\(replaces, clusterIdentifierKey\)/,
        "the replacement on a changed clusterIdentifier",
    );
    need(
        /if diff\.Same\(clusterIdentifierKey\) && news\.HasValue\(clusterIdentifierKey\)[\s\S]*?resp\.Replaces = nil/,
        "the suppression of replacements under an unchanged clusterIdentifier",
    );
    const unknown = need(
        /range \[\]resource\.PropertyKey\{([^}]*)\}\s*\{\s*if news\[key\]\.IsComputed\(\)/,
        "the replacement on unknown inputs",
    );
    const active = need(
        new RegExp(
            /getActiveClusterFromConfig\(newConfig[\s\S]*?!reflect\.DeepEqual\(oldActiveCluster,/.source +
                / activeCluster\)[\s\S]*?range \[\]string\{([^}]*)\}/.source,
        ),
        "the replacement on a changed active cluster",
    );
    const always = [...body.matchAll(/case "([^"]+)":\s*(?:\/\/[^\n]*\s*)*replaces = append\(replaces, "\1"\)/g)].map((m) => m[1]);
    const strings = (text: string) => [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    return {
        identifier: keyConst[1],
        identifierChangeReplaces: true,
        identifierUnchangedNeverReplaces: true,
        unknownReplaces: strings(unknown[1]),
        activeCluster: strings(active[1]),
        alwaysReplace: always,
    };
}

/** Comma-separated parts at depth 0. */
function splitTop(text: string): string[] {
    const parts: string[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "{" || c === "(" || c === "[") i = matchClose(text, i) - 1;
        else if (c === '"') i = text.indexOf('"', i + 1);
        else if (c === "/" && text[i + 1] === "/") i = text.indexOf("\n", i);
        else if (c === ",") {
            parts.push(text.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(text.slice(start));
    return parts.map((p) => p.replace(/\/\/[^\n]*/g, "").trim()).filter((p) => p !== "");
}
