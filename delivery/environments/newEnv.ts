/**
 * A new environment's stack files, derived from an existing environment's: the environment name
 * and every value derived from it rewritten (stack references, hosts, bucket, labels), secrets
 * dropped (they are encrypted for the source stack and must be set anew), the rest kept. The
 * result synthesizes; `up` refuses it while example values remain (delivery/deploy/checks/placeholderGate.ts).
 */
import { LAYERS } from "../../lib/layers";

export const ENV_NAME = /^[a-z][a-z0-9-]{0,15}$/;

export interface NewEnvironment {
    /** File name → text. */
    readonly files: Record<string, string>;
    /** `pulumi config set --secret` lines for the secrets the source had. */
    readonly secretCommands: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Rewrites one stack file of environment `from` for environment `to`. */
export function rewriteStackFile(text: string, from: string, to: string, stack: string): { text: string; secrets: string[] } {
    const secrets: string[] = [];
    const lines = text.split("\n");
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        // `key:\n    secure: ...` or `key: {secure: ...}`: encrypted for the source stack, so not copied.
        const key = /^(\s+)([A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+):\s*(\{\s*secure:.*\})?\s*$/.exec(line);
        if (key && (key[3] || /^\s+secure:/.test(lines[i + 1] ?? ""))) {
            secrets.push(key[2]);
            if (!key[3]) i++;
            continue;
        }
        out.push(line.replace(new RegExp(`(^|[^A-Za-z0-9])${escape(from)}(?=$|[^A-Za-z0-9])`, "g"), `$1${to}`));
    }
    return { text: out.join("\n"), secrets: secrets.map((k) => `pulumi config set --secret -s ${stack} ${k.split(":").pop()} <value>`) };
}

/** The files of `to`, from the texts of `from`'s stack files by layer. */
export function newEnvironment(source: Partial<Record<string, string>>, from: string, to: string): NewEnvironment {
    const files: Record<string, string> = {};
    const secretCommands: string[] = [];
    for (const layer of LAYERS) {
        const text = source[layer];
        if (text === undefined) continue;
        const stack = `${to}-${layer}`;
        const r = rewriteStackFile(text, from, to, stack);
        files[`Pulumi.${stack}.yaml`] = r.text;
        secretCommands.push(...r.secrets);
    }
    return { files, secretCommands };
}
