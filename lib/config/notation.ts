/**
 * Numbers written in a stack file in a notation YAML turns into another number silently
 * (`0x10` is 16, `1e3` is 1000, `010` is 8 for YAML 1.1 readers, `1_000` is 1000): refused with
 * the key and the decimal the user should write, quoted, as Pulumi stores it.
 */
import { isScalar, isMap, isSeq, parseDocument, Scalar } from "yaml";

export interface NotationProblem {
    /** Fully qualified key, with a path into structured values (`ns:backupStore.create`). */
    readonly key: string;
    readonly written: string;
    readonly message: string;
}

const PLAIN_DECIMAL = /^-?(0|[1-9]\d*)$/;
/** What a YAML reader might take as a number. */
const NUMBERISH = /^[-+]?(\.?\d|0[xob]|\.inf|\.nan)/i;

function visit(node: unknown, key: string, out: NotationProblem[]): void {
    if (isMap(node)) {
        for (const pair of node.items) {
            const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
            visit(pair.value, key ? `${key}.${name}` : name, out);
        }
    } else if (isSeq(node)) {
        node.items.forEach((item, i) => visit(item, `${key}[${i}]`, out));
    } else if (isScalar(node)) {
        const scalar = node as Scalar;
        const source = scalar.source ?? (typeof scalar.value === "string" ? scalar.value : String(scalar.value));
        if (scalar.type !== "PLAIN" || typeof source !== "string") return;
        if (
            NUMBERISH.test(source) &&
            !PLAIN_DECIMAL.test(source) &&
            (typeof scalar.value === "number" || /^[-+]?(0[xob][0-9a-f_]+|0\d+|[\d_]+(\.\d*)?(e[-+]?\d+)?|\.inf|\.nan)$/i.test(source))
        ) {
            const n = typeof scalar.value === "number" ? scalar.value : Number(source.replace(/_/g, ""));
            out.push({
                key,
                written: source,
                message:
                    `is written ${source}, which YAML may read as ` +
                    `${Number.isFinite(n) ? `the number ${n}` : "a special float"}: ` +
                    `write the plain decimal, quoted${Number.isInteger(n) ? ` ("${n}")` : ""}`,
            });
        }
    }
}

/** Problems in a stack file's `config:` map; `project` qualifies keys without a namespace. */
export function notationProblems(text: string, project: string): NotationProblem[] {
    let doc;
    try {
        doc = parseDocument(text, { uniqueKeys: false });
    } catch {
        return [];
    }
    const config = doc.get("config", true);
    if (!isMap(config)) return [];
    const out: NotationProblem[] = [];
    for (const pair of config.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value, name.includes(":") ? name : `${project}:${name}`, out);
    }
    return out;
}
