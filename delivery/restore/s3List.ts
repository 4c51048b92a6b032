/**
 * A tiny S3 client: AWS Signature Version 4 over path-style URLs (what Swift's S3 API and other
 * S3-compatible stores accept), enough to list the off-site etcd snapshots (ListObjectsV2) and,
 * for tests, to put an object. The signing is pure; only `s3Request` does I/O (node's fetch).
 * No SDK: one call with a handful of headers does not need one.
 */
import { createHash, createHmac } from "crypto";

export interface S3Access {
    /** `https://host[:port]` of the S3 API (no path). */
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    readonly accessKey: string;
    readonly secretKey: string;
}

export interface S3Object {
    readonly key: string;
    readonly lastModified: Date;
    readonly size: number;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it (only A-Z a-z 0-9 - _ . ~ stay). */
export function uriEncode(value: string, keepSlash = false): string {
    return [...Buffer.from(value, "utf8")]
        .map((b) => {
            const c = String.fromCharCode(b);
            if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === "/")) return c;
            return `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
        })
        .join("");
}

export interface SignedRequest {
    readonly url: string;
    readonly headers: Record<string, string>;
}

/** Signs one request (SigV4, service `s3`, path-style); `now` fixes the time for tests. */
export function signRequest(
    access: S3Access,
    method: string,
    key: string,
    query: Record<string, string>,
    body: Buffer,
    now: Date,
): SignedRequest {
    const base = new URL(access.endpoint);
    const path = `/${uriEncode(access.bucket)}/${uriEncode(key, true)}`;
    const canonicalQuery = Object.keys(query)
        .sort()
        .map((k) => `${uriEncode(k)}=${uriEncode(query[k])}`)
        .join("&");
    const amzDate = now
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "");
    const headers = sigV4({ method, host: base.host, path, canonicalQuery, payloadHash: sha256(body), amzDate }, access);
    return { url: `${base.protocol}//${base.host}${path}${canonicalQuery ? `?${canonicalQuery}` : ""}`, headers };
}

export interface CanonicalRequest {
    readonly method: string;
    readonly host: string;
    /** Already URI-encoded. */
    readonly path: string;
    readonly canonicalQuery: string;
    readonly payloadHash: string;
    /** `YYYYMMDDTHHMMSSZ` */
    readonly amzDate: string;
}

/** The signed headers (host, x-amz-content-sha256, x-amz-date, authorization) of one request. Pure. */
export function sigV4(r: CanonicalRequest, access: Pick<S3Access, "region" | "accessKey" | "secretKey">): Record<string, string> {
    const day = r.amzDate.slice(0, 8);
    const headers: Record<string, string> = { host: r.host, "x-amz-content-sha256": r.payloadHash, "x-amz-date": r.amzDate };
    const names = Object.keys(headers).sort();
    const canonical = [
        r.method,
        r.path,
        r.canonicalQuery,
        ...names.map((n) => `${n}:${headers[n]}`),
        "",
        names.join(";"),
        r.payloadHash,
    ].join("\n");
    const scope = `${day}/${access.region}/s3/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", r.amzDate, scope, sha256(canonical)].join("\n");
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${access.secretKey}`, day), access.region), "s3"), "aws4_request");
    const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
    return {
        ...headers,
        authorization: `AWS4-HMAC-SHA256 Credential=${access.accessKey}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
    };
}

/** One signed request; throws with the store's own error code and message on a non-2xx answer. */
export async function s3Request(
    access: S3Access,
    method: "GET" | "PUT",
    key: string,
    query: Record<string, string> = {},
    body: Buffer = Buffer.alloc(0),
): Promise<string> {
    const req = signRequest(access, method, key, query, body, new Date());
    let res: Response;
    try {
        res = await fetch(req.url, {
            method,
            headers: req.headers,
            ...(method === "PUT" ? { body } : {}),
            signal: AbortSignal.timeout(30_000),
        });
    } catch (err) {
        throw new Error(`S3 ${method} ${access.endpoint}/${access.bucket}: ${(err as Error).cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
        const code = xmlText(text, "Code") ?? res.statusText;
        const message = xmlText(text, "Message") ?? "";
        throw new Error(
            `S3 ${method} ${access.endpoint}/${access.bucket}/${key}: HTTP ${res.status} ${code}${message ? `: ${message}` : ""}`,
        );
    }
    return text;
}

/** Every object under `prefix` (ListObjectsV2, following continuation tokens; pages of `pageSize` keys, the store's default when unset). */
export async function listObjects(access: S3Access, prefix: string, pageSize?: number): Promise<S3Object[]> {
    const found: S3Object[] = [];
    let token: string | undefined;
    // A bucket listing is paged (1000 keys a page); the bound stops a store that never ends it.
    for (let page = 0; page < 1000; page++) {
        const xml = await s3Request(access, "GET", "", {
            "list-type": "2",
            prefix,
            ...(pageSize ? { "max-keys": String(pageSize) } : {}),
            ...(token ? { "continuation-token": token } : {}),
        });
        const result = parseListing(xml);
        found.push(...result.objects);
        if (!result.nextToken) return found;
        token = result.nextToken;
    }
    throw new Error(`S3 listing of ${access.bucket}/${prefix} did not end after 1000 pages`);
}

/** A ListObjectsV2 answer: its objects and the token of the next page (when truncated). Pure. */
export function parseListing(xml: string): { objects: S3Object[]; nextToken?: string } {
    const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => ({
        key: xmlText(m[1], "Key") ?? "",
        lastModified: new Date(xmlText(m[1], "LastModified") ?? 0),
        size: Number(xmlText(m[1], "Size") ?? 0),
    }));
    const truncated = xmlText(xml, "IsTruncated") === "true";
    const nextToken = truncated ? xmlText(xml, "NextContinuationToken") : undefined;
    return { objects, ...(nextToken ? { nextToken } : {}) };
}

function xmlText(xml: string, tag: string): string | undefined {
    const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
    if (!m) return undefined;
    return m[1].replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]!);
}
