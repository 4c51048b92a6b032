/**
 * Throw-away certificates made by the openssl CLI, for tests that need real ones: CAs and the
 * leaves they sign, EC P-256 keys. An empty openssl config is used, so only the extensions a test
 * names end up in its certificates (besides the key identifiers openssl always adds); each test
 * keeps its own shape (subjects, SANs, key usages, name constraints) in the arguments it passes.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { tempDir } from "./tempDir";

export interface CertOptions {
    /** `-subj`, e.g. `/O=team/CN=name`. */
    readonly subject: string;
    readonly days?: number;
    /** X.509v3 extensions as openssl writes them, e.g. `keyUsage=critical,keyCertSign`. */
    readonly extensions?: readonly string[];
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A working folder of certificates: `<name>.crt` and `<name>.key` per CA or leaf. */
export class OpensslPki {
    readonly dir: string;
    private readonly cnf: string;

    /** In a new temp folder named `prefix…` (removed by `dispose()`), or in the caller's `dir`. */
    constructor(where: { readonly prefix?: string; readonly dir?: string } = {}) {
        this.dir = where.dir ?? tempDir(where.prefix ?? "openssl-pki");
        this.cnf = this.path("openssl.cnf");
        fs.writeFileSync(this.cnf, "[req]\ndistinguished_name = dn\n[dn]\n");
    }

    /** A self-signed certificate: a CA when its extensions say so; `name` may name a sub-folder (`etcd/server-ca`). */
    ca(name: string, opts: CertOptions): void {
        fs.mkdirSync(path.dirname(this.path(name)), { recursive: true });
        this.openssl([
            "req",
            "-x509",
            "-config",
            this.cnf,
            ...EC_KEY,
            "-days",
            String(opts.days ?? 1),
            "-keyout",
            this.path(`${name}.key`),
            "-out",
            this.path(`${name}.crt`),
            "-subj",
            opts.subject,
            ...addext(opts.extensions),
        ]);
    }

    /** A leaf signed by the CA `issuer` made here; `name` may name a sub-folder (`db/tls`). */
    leaf(name: string, issuer: string, opts: CertOptions): void {
        fs.mkdirSync(path.dirname(this.path(name)), { recursive: true });
        const ext = this.path(`${name}.ext`);
        fs.writeFileSync(ext, (opts.extensions ?? []).map((e) => `${e}\n`).join(""));
        this.openssl([
            "req",
            "-new",
            "-config",
            this.cnf,
            ...EC_KEY,
            "-keyout",
            this.path(`${name}.key`),
            "-out",
            this.path(`${name}.csr`),
            "-subj",
            opts.subject,
        ]);
        this.openssl([
            "x509",
            "-req",
            "-in",
            this.path(`${name}.csr`),
            "-CA",
            this.path(`${issuer}.crt`),
            "-CAkey",
            this.path(`${issuer}.key`),
            "-CAcreateserial",
            "-days",
            String(opts.days ?? 1),
            "-extfile",
            ext,
            "-out",
            this.path(`${name}.crt`),
        ]);
    }

    /** An RSA private key alone, `<name>.key` (k3s' service-account signing key is one). */
    rsaKey(name: string, bits = 2048): void {
        this.openssl(["genrsa", "-out", this.path(`${name}.key`), String(bits)]);
    }

    /** The certificate and key of `name`, as PEM text. */
    pair(name: string): { cert: string; key: string } {
        return { cert: this.read(`${name}.crt`), key: this.read(`${name}.key`) };
    }

    /** Whether openssl verifies the leaf `name` against the CA `issuer`. */
    verifies(name: string, issuer: string): boolean {
        try {
            this.openssl(["verify", "-CAfile", this.path(`${issuer}.crt`), this.path(`${name}.crt`)]);
            return true;
        } catch {
            return false;
        }
    }

    path(file: string): string {
        return path.join(this.dir, file);
    }

    read(file: string): string {
        return fs.readFileSync(this.path(file), "utf8");
    }

    dispose(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    private openssl(args: string[]): void {
        execFileSync("openssl", args, { stdio: "pipe" });
    }
}

function addext(extensions: readonly string[] = []): string[] {
    return extensions.flatMap((e) => ["-addext", e]);
}
