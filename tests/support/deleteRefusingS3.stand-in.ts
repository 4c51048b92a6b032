/**
 * STAND-IN for an object store whose bucket policy denies the writer `s3:DeleteObject` (Ceph RGW
 * or AWS S3 with the rules of the infra output backupStoreRules): an HTTP proxy in front of a
 * real S3 server (s3rver) that forwards every request and answers DELETE itself with 403
 * AccessDenied, as such a store does. It stands in for the refusal only, so the writer check's
 * "refused" path runs against real HTTP; whether a real store refuses is what the check finds
 * out on a real cloud.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export async function startDeleteRefusingProxy(target: {
    host: string;
    port: number;
}): Promise<{ endpoint: string; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
        if (req.method === "DELETE") {
            req.resume();
            res.writeHead(403, { "content-type": "application/xml" });
            res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
            return;
        }
        const upstream = http.request(
            { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
            (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            },
        );
        upstream.on("error", () => {
            res.writeHead(502);
            res.end();
        });
        req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
