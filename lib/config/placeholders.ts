/**
 * Example values the shipped stack files carry so that `synth` and a first look work: the
 * documentation address ranges (RFC 5737), reserved example domains (RFC 2606: example.org,
 * *.example, *.test, *.invalid), the fake SSH keys and CHANGEME-style values. `synth` and the
 * tests accept them; `npm run up` (and so the deploy workflow) refuses to apply while any is
 * left, naming each key. One list, used by `up`, `new-env` and docs/config.md.
 */
import { ipv4Cidr, range } from "./checks";

export interface Placeholder {
    /** Fully qualified key, with a path into structured values. */
    readonly key: string;
    readonly value: string;
    /** What kind of example value it is, and what to put instead. */
    readonly why: string;
}

const DOC_NETS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];
const EXAMPLE_DOMAIN =
    /(^|[^a-z0-9-])((?:[a-z0-9-]+\.)*example\.(org|com|net)|(?:[a-z0-9-]+\.)+(example|test|invalid))(?=$|[^a-z0-9.-]|[:/])/i;
const WORDS = /(changeme|change-me|replace-?me|replacewith|your[-_]?own|todo-set|<[a-z -]+>|fake[a-z]*key)/i;

function addressPlaceholder(text: string): string | undefined {
    for (const m of text.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})(\/\d{1,2})?\b/g)) {
        const cidr = m[2] ? `${m[1]}${m[2]}` : `${m[1]}/32`;
        if (ipv4Cidr(cidr) !== undefined && !m[2]) continue;
        const [s, e] = ipv4Cidr(cidr) === undefined ? range(cidr) : [NaN, NaN];
        for (const doc of DOC_NETS) {
            const [ds, de] = range(doc);
            if (s >= ds && e <= de)
                return `${m[0]} is in the documentation range ${doc} (RFC 5737), not a real network: use your own addresses`;
        }
    }
    return undefined;
}

/** Why `value` is an example value, or undefined. */
export function placeholderReason(value: string): string | undefined {
    const word = WORDS.exec(value);
    if (word) return `contains "${word[1]}", a value to replace`;
    const domain = EXAMPLE_DOMAIN.exec(value);
    if (domain) return `names ${domain[2]}, a reserved example domain (RFC 2606): use your own DNS name or URL`;
    return addressPlaceholder(value);
}

function visit(value: unknown, key: string, out: Placeholder[]): void {
    if (typeof value === "string") {
        const why = placeholderReason(value);
        if (why) out.push({ key, value, why });
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, `${key}[${i}]`, out));
    } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) visit(v, `${key}.${k}`, out);
    }
}

/** Placeholders among a stack's plain values (`key → value as Pulumi stores it`, JSON for structures). */
export function placeholders(values: Readonly<Record<string, string>>): Placeholder[] {
    const out: Placeholder[] = [];
    for (const [key, raw] of Object.entries(values)) {
        let value: unknown = raw;
        if (/^[[{]/.test(raw)) {
            try {
                value = JSON.parse(raw);
            } catch {
                value = raw;
            }
        }
        visit(value, key, out);
    }
    return out;
}
