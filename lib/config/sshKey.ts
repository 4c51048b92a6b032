/**
 * OpenSSH public keys (`type base64 [comment]`), decoded for real: the key blob's own type must
 * match the header, the key material must be complete (no truncated copy-paste), RSA moduli must
 * be at least 2048 bits, and DSA is refused (OpenSSH disabled it in 2015 and removed it in 2024).
 */

const ECDSA_POINT: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };
export const SSH_KEY_ALLOWED =
    'an OpenSSH public key "ssh-ed25519 AAAA... comment" (ed25519, ecdsa-sha2-nistp256/384/521, or ' +
    "ssh-rsa of at least 2048 bits), the whole line of your id_*.pub file";

class Blob {
    private at = 0;
    constructor(private readonly buf: Buffer) {}
    string(): Buffer | undefined {
        if (this.at + 4 > this.buf.length) return undefined;
        const len = this.buf.readUInt32BE(this.at);
        if (this.at + 4 + len > this.buf.length) return undefined;
        const out = this.buf.subarray(this.at + 4, this.at + 4 + len);
        this.at += 4 + len;
        return out;
    }
    get rest(): number {
        return this.buf.length - this.at;
    }
}

function bits(mpint: Buffer): number {
    let i = 0;
    while (i < mpint.length && mpint[i] === 0) i++;
    if (i === mpint.length) return 0;
    return (mpint.length - i - 1) * 8 + Math.floor(Math.log2(mpint[i])) + 1;
}

/** Undefined when `value` is a usable public key; else what is wrong and what is allowed. */
export function sshPublicKey(value: string): string | undefined {
    const fields = value.trim().split(/\s+/);
    const [type, body] = fields;
    if (!type || !body) return `must be ${SSH_KEY_ALLOWED}`;
    if (type === "ssh-dss")
        return "is a DSA key, which OpenSSH no longer accepts: generate one with `ssh-keygen -t ed25519` and use its .pub line";
    if (!/^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/.test(type)) {
        return `has key type "${type}"; must be ${SSH_KEY_ALLOWED}`;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) {
        return (
            `has a key body that is not complete base64 (${body.length} characters): ` +
            `it was probably cut when copied; paste the whole line of the .pub file`
        );
    }
    const blob = new Blob(Buffer.from(body, "base64"));
    const inner = blob.string()?.toString("latin1");
    if (inner === undefined) return "has a truncated key body: paste the whole line of the .pub file";
    if (inner !== type) return `says "${type}" but its key body is a "${inner}" key: the header and the body come from different keys`;
    const truncated = "has a truncated key body (the key material is incomplete): paste the whole line of the .pub file";
    if (type === "ssh-rsa") {
        const e = blob.string();
        const n = blob.string();
        if (!e || !n) return truncated;
        const size = bits(n);
        if (size < 2048) return `is an RSA key of ${size} bits; RSA keys must have at least 2048 bits (better: \`ssh-keygen -t ed25519\`)`;
    } else if (type === "ssh-ed25519" || type === "sk-ssh-ed25519@openssh.com") {
        const key = blob.string();
        if (!key) return truncated;
        if (key.length !== 32) return `has an ed25519 key of ${key.length} bytes; an ed25519 public key has 32`;
        if (type.startsWith("sk-") && !blob.string()) return truncated;
    } else {
        const curve = blob.string()?.toString("latin1");
        const point = blob.string();
        if (!curve || !point) return truncated;
        const want = ECDSA_POINT[curve];
        if (!type.includes(curve) || want === undefined) return `says "${type}" but its key body is on curve "${curve}"`;
        if (point.length !== want) return `has an ECDSA point of ${point.length} bytes; ${curve} needs ${want}`;
        if (type.startsWith("sk-") && !blob.string()) return truncated;
    }
    if (blob.rest !== 0) return `has ${blob.rest} byte(s) after the key material: two keys pasted together, or a corrupted line`;
    return undefined;
}
