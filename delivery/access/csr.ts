/**
 * A PKCS#10 certificate signing request for an EC P-256 key, built with Node's crypto and a few
 * lines of DER: Node can make keys and signatures but not CSRs, and this is the only one the
 * project needs, so neither a library nor the openssl CLI on the operator's machine is required.
 * The request carries only a subject: the Kubernetes signer decides usages and lifetime from the
 * CertificateSigningRequest object, not from requested extensions.
 */
import * as crypto from "node:crypto";

function tlv(tag: number, body: Buffer): Buffer {
    const n = body.length;
    const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    if (n > 0xffff) throw new Error("DER value too long for this encoder");
    return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const OID = {
    organization: Buffer.from([0x06, 0x03, 0x55, 0x04, 0x0a]),
    commonName: Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]),
    ecdsaWithSha256: Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
};

export interface CsrSubject {
    /** Kubernetes reads the user name from CN. */
    readonly commonName: string;
    /** …and each O as a group. */
    readonly organizations: readonly string[];
}

function name(subject: CsrSubject): Buffer {
    const rdn = (oid: Buffer, value: string) => tlv(0x31, seq(oid, tlv(0x0c, Buffer.from(value, "utf8"))));
    return seq(...subject.organizations.map((o) => rdn(OID.organization, o)), rdn(OID.commonName, subject.commonName));
}

/** The PEM CSR for `key` (an EC P-256 private key) and `subject`, signed with ECDSA-SHA256. */
export function certificateRequestPem(key: crypto.KeyObject, subject: CsrSubject): string {
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
        throw new Error("the CSR key must be an EC P-256 private key");
    const spki = crypto.createPublicKey(key).export({ type: "spki", format: "der" });
    // version 0, subject, public key, no attributes ([0] empty)
    const info = seq(Buffer.from([0x02, 0x01, 0x00]), name(subject), spki, Buffer.from([0xa0, 0x00]));
    const signature = crypto.sign("sha256", info, key);
    const der = seq(info, seq(OID.ecdsaWithSha256), tlv(0x03, Buffer.concat([Buffer.from([0x00]), signature])));
    const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
    return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join("\n")}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** A new EC P-256 key pair, generated on this machine (the private key never leaves it). */
export function newClientKey(): crypto.KeyObject {
    return crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
}
