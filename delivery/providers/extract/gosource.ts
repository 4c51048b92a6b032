/**
 * Just enough Go source reading to pull schema facts out of provider code: matching braces,
 * the entries of a `map[...]...{ "key": value, ... }` literal, and function bodies. This is not
 * a Go parser; it relies on the regular layout of provider schema code (gofmt'ed literals).
 */

/** Index just past the brace/paren that closes the one at `open`; strings and comments skipped. */
export function matchClose(src: string, open: number): number {
    const pairs: Record<string, string> = { "{": "}", "(": ")", "[": "]" };
    const stack: string[] = [];
    for (let i = open; i < src.length; i++) {
        const c = src[i];
        if (c === '"') {
            for (i++; i < src.length && src[i] !== '"'; i++) if (src[i] === "\\") i++;
            continue;
        }
        if (c === "`") {
            i = src.indexOf("`", i + 1);
            continue;
        }
        if (c === "/" && src[i + 1] === "/") {
            i = src.indexOf("\n", i);
            if (i < 0) return src.length;
            continue;
        }
        if (c in pairs) stack.push(pairs[c]);
        else if (c === "}" || c === ")" || c === "]") {
            if (stack.pop() !== c) throw new Error(`unbalanced ${c} at ${i}`);
            if (stack.length === 0) return i + 1;
        }
    }
    throw new Error(`no closing bracket for ${src[open]} at ${open}`);
}

/** The body (between the braces) of `func name(...)` or `func (recv) name(...)`, or undefined. */
export function funcBody(src: string, name: string): string | undefined {
    const re = new RegExp(`func\\s+(\\([^)]*\\)\\s*)?${name}\\s*\\(`, "m");
    const m = re.exec(src);
    if (!m) return undefined;
    const open = src.indexOf("{", matchClose(src, m.index + m[0].length - 1));
    return src.slice(open + 1, matchClose(src, open) - 1);
}

export interface Entry {
    readonly key: string;
    /** The value's text (type prefix and braces included). */
    readonly value: string;
    /** The value's own text with the bodies of nested keyed entries cut out. */
    readonly own: string;
}

/**
 * Entries `"key": value` at the top level of a composite literal body (the text between its
 * braces). Values end at the comma that follows at depth 0.
 */
export function entries(body: string): Entry[] {
    const out: Entry[] = [];
    const re = /"([^"\\]+)"\s*:\s*/g;
    let i = 0;
    while (i < body.length) {
        re.lastIndex = i;
        const m = re.exec(body);
        if (!m) break;
        // Only keys at depth 0 of this body count.
        if (depthAt(body, m.index) !== 0) {
            i = m.index + 1;
            continue;
        }
        const start = m.index + m[0].length;
        let end = start;
        while (end < body.length && body[end] !== ",") {
            const c = body[end];
            if (c === "{" || c === "(" || c === "[") end = matchClose(body, end);
            else if (c === '"') end = skipString(body, end);
            else end++;
        }
        const value = body.slice(start, end).trim();
        out.push({ key: m[1], value, own: withoutNested(value) });
        i = end + 1;
    }
    return out;
}

function skipString(src: string, at: number): number {
    let i = at + 1;
    for (; i < src.length && src[i] !== '"'; i++) if (src[i] === "\\") i++;
    return i + 1;
}

function depthAt(src: string, pos: number): number {
    let depth = 0;
    for (let i = 0; i < pos; i++) {
        const c = src[i];
        if (c === '"') {
            i = skipString(src, i) - 1;
            continue;
        }
        if (c === "/" && src[i + 1] === "/") {
            const nl = src.indexOf("\n", i);
            i = nl < 0 ? pos : nl;
            continue;
        }
        if (c === "{" || c === "(" || c === "[") depth++;
        else if (c === "}" || c === ")" || c === "]") depth--;
    }
    return depth;
}

/** The text with the values of nested `"key": {...}` entries removed (at any depth). */
function withoutNested(value: string): string {
    let out = "";
    let i = 0;
    const re = /"([^"\\]+)"\s*:\s*[A-Za-z0-9_.*&\[\]]*\{/g;
    while (true) {
        re.lastIndex = i;
        const m = re.exec(value);
        if (!m) break;
        const open = m.index + m[0].length - 1;
        out += value.slice(i, m.index);
        i = matchClose(value, open);
    }
    return out + value.slice(i);
}

/** The body of the first `<marker>{ ... }` literal after `from` in `src`. */
export function literalAfter(src: string, marker: RegExp): string | undefined {
    const m = marker.exec(src);
    if (!m) return undefined;
    const open = src.indexOf("{", m.index + m[0].length - 1);
    return src.slice(open + 1, matchClose(src, open) - 1);
}
