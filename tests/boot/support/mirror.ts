/**
 * The internal k3s mirror of `k3sInstall: mirror`, served from the test host: the release
 * layout `<url>/<version>/{install.sh,k3s,sha256sum-amd64.txt}` of the k3s air-gap procedure.
 * It holds the boot suite's STAND-INS (tests/boot/stand-in), not k3s: the VMs reach no GitHub.
 * VMs reach it through QEMU's user network, where 10.0.2.2 is the host's loopback. It serves
 * https only, as the infra layer requires, with a certificate for 10.0.2.2 from a CA of its own
 * (made by openssl per run) that the stack hands the nodes as k3sMirrorCaCert.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { OpensslPki } from "../../support/opensslPki";

const STAND_IN = path.join(__dirname, "..", "stand-in");

export function sha256(data: string | Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

export class K3sMirror {
    private server?: https.Server;
    /** The CA of the mirror's certificate (PEM), for k3sMirrorCaCert. */
    caCertPem = "";
    /** Every path requested, in order (what the nodes fetched). */
    readonly requests: string[] = [];
    /** Files by path below `/k3s/`: `<version>/<file>` for every release served. */
    readonly files = new Map<string, Buffer>();

    /**
     * `k3sFile`: what the mirror serves as the k3s binary (default: the boot suite's stand-in);
     * `moreVersions`: further releases served beside `version` (an upgrade's target).
     */
    constructor(
        readonly version: string,
        k3sFile = path.join(STAND_IN, "k3s"),
        moreVersions: readonly string[] = [],
    ) {
        for (const v of [version, ...moreVersions]) {
            const binary = Buffer.from(fs.readFileSync(k3sFile, "utf8").replace("@K3S_VERSION@", v));
            this.files.set(`${v}/install.sh`, fs.readFileSync(path.join(STAND_IN, "install.sh")));
            this.files.set(`${v}/k3s`, binary);
            this.files.set(`${v}/sha256sum-amd64.txt`, Buffer.from(`${sha256(binary)}  k3s\n`));
        }
    }

    /** The pin the stack sets as k3sMirrorInstallScriptSha256 for this mirror's install.sh. */
    get installScriptSha256(): string {
        return sha256(this.files.get(`${this.version}/install.sh`)!);
    }

    async start(): Promise<number> {
        const tls = mirrorPki();
        this.caCertPem = tls.ca;
        this.server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
            const url = decodeURIComponent(req.url ?? "");
            this.requests.push(url);
            const file = url.startsWith("/k3s/") ? this.files.get(url.slice("/k3s/".length)) : undefined;
            if (!file) {
                res.writeHead(404).end("not in the mirror\n");
                return;
            }
            res.writeHead(200, { "content-length": file.length }).end(file);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return (this.server.address() as AddressInfo).port;
    }

    close(): void {
        this.server?.close();
    }
}

/** A CA and a serving certificate for the host as the VMs see it (10.0.2.2) and for 127.0.0.1. */
function mirrorPki(): { ca: string; cert: string; key: string } {
    const pki = new OpensslPki({ prefix: "k3s-mirror-" });
    try {
        pki.ca("ca", {
            subject: "/CN=k3s-mirror-ca",
            days: 2,
            extensions: ["basicConstraints=critical,CA:true", "keyUsage=critical,keyCertSign"],
        });
        pki.leaf("leaf", "ca", {
            subject: "/CN=k3s-mirror",
            days: 2,
            extensions: ["subjectAltName=IP:10.0.2.2,IP:127.0.0.1", "extendedKeyUsage=serverAuth"],
        });
        return { ca: pki.read("ca.crt"), cert: pki.read("leaf.crt"), key: pki.read("leaf.key") };
    } finally {
        pki.dispose();
    }
}
