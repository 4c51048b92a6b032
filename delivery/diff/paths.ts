/**
 * Property paths: the changed-input paths a synth diff reports and the property paths that
 * `replaceOnChanges` names (`spec.template`, `ports[*].port`, `metadata["app.kubernetes.io/name"]`, `*`).
 */

export type Segment = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `a.b[0]["x.y"]` for ["a", "b", 0, "x.y"]. */
export function formatPath(path: readonly Segment[]): string {
    let out = "";
    for (const seg of path) {
        if (typeof seg === "number") out += `[${seg}]`;
        else if (seg === "*") out += out === "" ? "*" : "[*]";
        else if (IDENT.test(seg)) out += out === "" ? seg : `.${seg}`;
        else out += `[${JSON.stringify(seg)}]`;
    }
    return out;
}

/** Parses a Pulumi property path into segments; `*` and `[*]` become "*". */
export function parsePath(text: string): Segment[] {
    const segments: Segment[] = [];
    let i = 0;
    const fail = (why: string) => new Error(`bad property path ${JSON.stringify(text)}: ${why}`);
    while (i < text.length) {
        const c = text[i];
        if (c === ".") {
            i++;
            continue;
        }
        if (c === "[") {
            const close = text.indexOf("]", i);
            if (close < 0) throw fail("unclosed [");
            let inner = text.slice(i + 1, close);
            if (inner.startsWith('"')) {
                // A quoted key may hold "]": find the closing quote first.
                let end = i + 2;
                while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
                if (text[end + 1] !== "]") throw fail("unclosed quoted key");
                segments.push(JSON.parse(text.slice(i + 1, end + 1)) as string);
                i = end + 2;
                continue;
            }
            inner = inner.trim();
            segments.push(inner === "*" ? "*" : /^\d+$/.test(inner) ? Number(inner) : inner);
            i = close + 1;
            continue;
        }
        let end = i;
        while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
        segments.push(text.slice(i, end));
        i = end;
    }
    return segments;
}

/**
 * True when a change at `changed` is covered by `pattern`: one is a prefix of the other
 * (a change inside `spec.template` or a replacement of the whole `spec`), `*` matching any segment.
 */
export function pathMatches(pattern: readonly Segment[], changed: readonly Segment[]): boolean {
    const n = Math.min(pattern.length, changed.length);
    for (let k = 0; k < n; k++) {
        if (pattern[k] === "*") continue;
        if (String(pattern[k]) !== String(changed[k])) return false;
    }
    return true;
}
