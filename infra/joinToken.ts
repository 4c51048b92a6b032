/**
 * k3s join tokens in the secure format `K10<ca-hash>::<user>:<secret>`. With the CA hash in the
 * token a joining node downloads the server's CA bundle (`/cacerts`), hashes it and refuses to
 * send its credentials when the hash differs, so a man in the middle cannot pose as the server.
 * This program generates the cluster CA itself, so it knows the hash before any node exists.
 */
import { createHash } from "crypto";

/**
 * The hash k3s compares: for a bundle of one certificate (our self-signed server CA) it is the
 * SHA-256 of the file's literal bytes, i.e. of `server-ca.crt` exactly as written to disk.
 */
export function caHash(serverCaPem: string): string {
    return createHash("sha256").update(serverCaPem, "utf8").digest("hex");
}

/** k3s' user names for the two static tokens (as in the files k3s writes itself). */
export const TOKEN_USERS = { server: "server", agent: "node" } as const;

export function secureToken(serverCaPem: string, user: string, secret: string): string {
    return `K10${caHash(serverCaPem)}::${user}:${secret}`;
}

export interface ParsedToken {
    readonly caHash?: string;
    readonly user?: string;
    readonly secret: string;
}

/** Splits a token the way k3s does (tests and docs use it; a short token has no CA hash). */
export function parseToken(token: string): ParsedToken {
    if (!token.startsWith("K10")) return { secret: token };
    const [hash, credentials] = token.slice(3).split("::", 2);
    const [user, secret] = credentials.split(/:(.*)/s, 2);
    return { caHash: hash, user, secret };
}
