/** OpenSSH public key lines made from freshly generated keys (node:crypto), for config fixtures. */
import { generateKeyPairSync } from "node:crypto";

function sshString(b: Buffer | string): Buffer {
    const body = typeof b === "string" ? Buffer.from(b, "latin1") : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
}

/** An mpint: big-endian, with a leading zero when the top bit is set. */
function mpint(b: Buffer): Buffer {
    return sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

export function ed25519Key(comment = "test"): string {
    const { publicKey } = generateKeyPairSync("ed25519");
    const x = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
    return `ssh-ed25519 ${Buffer.concat([sshString("ssh-ed25519"), sshString(x)]).toString("base64")} ${comment}`;
}

export function rsaKey(bits: number, comment = "test"): string {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
    const jwk = publicKey.export({ format: "jwk" });
    const blob = Buffer.concat([sshString("ssh-rsa"), mpint(Buffer.from(jwk.e!, "base64url")), mpint(Buffer.from(jwk.n!, "base64url"))]);
    return `ssh-rsa ${blob.toString("base64")} ${comment}`;
}

export function ecdsaKey(comment = "test"): string {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    const blob = Buffer.concat([sshString("ecdsa-sha2-nistp256"), sshString("nistp256"), sshString(point)]);
    return `ecdsa-sha2-nistp256 ${blob.toString("base64")} ${comment}`;
}

/** One fixed ed25519 key for fixtures that compare output. */
export const FIXTURE_SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey000000 test";
