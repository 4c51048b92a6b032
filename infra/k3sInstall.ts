/**
 * How a node gets the pinned k3s release (`k3sInstall`), rendered as one fail-fast shell step
 * for cloud-init. All three ways end in the same place: the pinned binary at
 * /usr/local/bin/k3s, verified, and k3s' install script run with INSTALL_K3S_SKIP_DOWNLOAD=true
 * (the k3s air-gap procedure), which writes the systemd unit and starts k3s.
 */
import { X509Certificate } from "node:crypto";
import type { ConfigReader } from "../lib/config/reader";
import { K3S_RELEASES } from "./k3sReleases";

/** k3s' install script is version-independent; it is taken from one pinned commit. */
export const INSTALL_SCRIPT_COMMIT = "019b0afdd830e36f5e4b7a5b237e6a4339e6a6be";
/** sha256 of install.sh at that commit, as published in the k3s repository's install.sh.sha256sum. */
export const INSTALL_SCRIPT_SHA256 = "68ae766b4c4fd2c8032f712cdd346c8f9d1ae60eaeb4736a1155effda44ea23d";

export type K3sInstall =
    /** From GitHub: install.sh at the pinned commit, binary and checksums from the release. */
    | { readonly mode: "download" }
    /**
     * From an internal HTTP(S) mirror laid out like the release:
     * `<url>/<version>/{install.sh,k3s,sha256sum-amd64.txt}`, for clouds without GitHub egress.
     */
    | {
          readonly mode: "mirror";
          /** https only: each byte fetched is checked against a pin, but a checksum file is not, and TLS keeps the path honest. */
          readonly url: string;
          readonly installScriptSha256: string;
          /** PEM CA the mirror's certificate chains to (a private CA); unset: the image's trust store. */
          readonly caCert?: string;
      }
    /** The image carries /usr/local/bin/k3s (pinned version) and /usr/local/share/k3s/install.sh. */
    | { readonly mode: "preinstalled" };

export const K3S_INSTALL_MODES = ["download", "mirror", "preinstalled"] as const;

const DIR = "/run/k3s-install";
const BIN = "/usr/local/bin/k3s";
/** Where a preinstalled image keeps the install script. */
export const PREINSTALLED_SCRIPT = "/usr/local/share/k3s/install.sh";

function q(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Shell that fetches a URL with retries (transient errors included) or fails; https only. */
function fetch(url: string, file: string, caFile?: string): string {
    return (
        `curl -fsSL --proto =https --proto-redir =https --retry 10 --retry-all-errors ` +
        `--retry-max-time 300 ${caFile ? `--cacert ${q(caFile)} ` : ""}-o ${q(file)} ${q(url)}`
    );
}

const MIRROR_CA = `${DIR}/mirror-ca.pem`;

/** Where the three files come from. */
export function installSources(install: K3sInstall, version: string): { script: string; binary: string; checksums: string } | undefined {
    const v = encodeURIComponent(version);
    if (install.mode === "download") {
        const release = `https://github.com/k3s-io/k3s/releases/download/${v}`;
        return {
            script: `https://raw.githubusercontent.com/k3s-io/k3s/${INSTALL_SCRIPT_COMMIT}/install.sh`,
            binary: `${release}/k3s`,
            checksums: `${release}/sha256sum-amd64.txt`,
        };
    }
    if (install.mode === "mirror") {
        const base = `${install.url.replace(/\/+$/, "")}/${v}`;
        return { script: `${base}/install.sh`, binary: `${base}/k3s`, checksums: `${base}/sha256sum-amd64.txt` };
    }
    return undefined;
}

/**
 * The install step (one `sh -c` script, `set -eu`): any failed download, checksum or version
 * check fails cloud-init's runcmd, so `cloud-init status` reports the error.
 */
export function installScript(install: K3sInstall, version: string, role: "server" | "agent", opts: { start?: boolean } = {}): string {
    const src = installSources(install, version);
    const lines = ["set -eu", `mkdir -p ${DIR}`];
    const scriptSha = install.mode === "mirror" ? install.installScriptSha256 : INSTALL_SCRIPT_SHA256;
    const recorded = K3S_RELEASES[version]?.sha256;
    const ca = install.mode === "mirror" && install.caCert ? MIRROR_CA : undefined;
    if (src) {
        if (ca && install.mode === "mirror") lines.push(`printf '%s\\n' ${q(install.caCert!.trim())} > ${ca}`);
        lines.push(
            fetch(src.script, `${DIR}/install.sh`, ca),
            fetch(src.binary, `${DIR}/k3s`, ca),
            ...(recorded
                ? // The checksum this project recorded for the release (k3sReleases.ts): nothing the
                  // download source serves vouches for its own binary.
                  [`echo ${q(`${recorded}  ${DIR}/k3s`)} | sha256sum -c -`]
                : [
                      // No recorded checksum for this release yet: the release's own checksum file,
                      // which names the binary "k3s"; check exactly that line.
                      fetch(src.checksums, `${DIR}/sha256sum-amd64.txt`, ca),
                      `(cd ${DIR} && grep -E '[[:space:]]k3s$' sha256sum-amd64.txt | sha256sum -c -)`,
                  ]),
            `install -m 0755 ${DIR}/k3s ${BIN}`,
        );
    } else {
        lines.push(`cp ${PREINSTALLED_SCRIPT} ${DIR}/install.sh`);
    }
    const skipStart = opts.start === false ? "INSTALL_K3S_SKIP_START=true " : "";
    lines.push(
        `echo ${q(`${scriptSha}  ${DIR}/install.sh`)} | sha256sum -c -`,
        // Loud on a mismatch: the image (preinstalled) or mirror carries another release.
        `have=$(${BIN} --version | awk 'NR==1{print $3}')`,
        `if [ "$have" != ${q(version)} ]; then echo "k3sInstall=${install.mode}: ` +
            `${BIN} is version $have, expected ${version}" >&2; exit 1; fi`,
        // start: false enables the unit without starting it (a server that decides how it bootstraps first).
        `INSTALL_K3S_SKIP_DOWNLOAD=true ${skipStart}INSTALL_K3S_VERSION=${q(version)} INSTALL_K3S_EXEC=${role} sh ${DIR}/install.sh`,
    );
    return lines.join("\n");
}

function caProblem(pem: string): string | undefined {
    try {
        const cert = new X509Certificate(pem);
        return cert.ca ? undefined : "must be a CA certificate (basicConstraints CA:TRUE), the one the mirror's certificate chains to";
    } catch {
        return "must be a PEM certificate (-----BEGIN CERTIFICATE----- …), the CA the mirror's certificate chains to";
    }
}

/** Reads `k3sInstall` and, for `mirror`, `k3sMirrorUrl`, `k3sMirrorInstallScriptSha256` and `k3sMirrorCaCert`. */
export function readK3sInstall(r: ConfigReader): K3sInstall {
    const mode = r.oneOf("k3sInstall", K3S_INSTALL_MODES, { default: "download" });
    // https only: on plain http anyone on the path could swap install.sh and the binary, and for
    // a release without a recorded checksum the checksum file along with them.
    const url = r.optionalString("k3sMirrorUrl", {
        pattern: /^https:\/\/[^\s'"]+$/,
        allowed:
            'an https URL like "https://mirror.example.org/k3s" (plain http is refused; a mirror with a private CA sets k3sMirrorCaCert)',
    });
    const sha = r.optionalString("k3sMirrorInstallScriptSha256", {
        pattern: /^[0-9a-f]{64}$/,
        allowed: "a sha256 in lowercase hex (64 characters)",
    });
    const caCert = r.optionalString("k3sMirrorCaCert", { check: caProblem });
    if (mode !== "mirror") {
        for (const [key, value] of [
            ["k3sMirrorUrl", url],
            ["k3sMirrorInstallScriptSha256", sha],
            ["k3sMirrorCaCert", caCert],
        ] as const) {
            if (value !== undefined)
                r.problem(
                    key,
                    key === "k3sMirrorCaCert" ? "(certificate)" : value,
                    `only applies with k3sInstall: mirror (k3sInstall is "${mode}")`,
                );
        }
        return { mode };
    }
    if (url === undefined) {
        r.problem(
            "k3sMirrorUrl",
            undefined,
            "is required with k3sInstall: mirror: the https mirror holding <version>/{install.sh,k3s,sha256sum-amd64.txt}",
        );
    }
    return { mode, url: url ?? "", installScriptSha256: sha ?? INSTALL_SCRIPT_SHA256, ...(caCert ? { caCert: caCert.trim() } : {}) };
}
