/**
 * Value checks shared by the layers' config parsers. Each returns an error message describing
 * what is allowed, or undefined when the value is fine, so they compose with `ConfigReader`.
 */

const IPV4_OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);

export function ipv4(value: string): string | undefined {
    return IPV4.test(value) ? undefined : "must be an IPv4 address like 10.0.0.1";
}

/** IPv4 CIDR with a host part of zero, e.g. 10.0.0.0/24 (not 10.0.0.1/24). */
export function ipv4Cidr(value: string): string | undefined {
    const [address, prefix, ...rest] = value.split("/");
    const bits = Number(prefix);
    if (rest.length > 0 || !IPV4.test(address ?? "") || prefix === undefined || !/^\d{1,2}$/.test(prefix) || bits > 32) {
        return "must be an IPv4 CIDR like 10.0.0.0/24";
    }
    const numeric = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const hostBits = 32 - bits;
    if (hostBits > 0 && numeric % 2 ** hostBits !== 0) {
        return `must be an IPv4 CIDR whose host bits are zero (did you mean ${networkOf(numeric, bits)}/${bits}?)`;
    }
    return undefined;
}

function networkOf(numeric: number, bits: number): string {
    const size = 2 ** (32 - bits);
    const base = numeric - (numeric % size);
    return [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join(".");
}

/** k3s release names: vMAJOR.MINOR.PATCH+k3sN, e.g. v1.33.5+k3s1. */
export const K3S_VERSION = /^v\d+\.\d+\.\d+\+k3s\d+$/;

export function k3sVersion(value: string): string | undefined {
    return K3S_VERSION.test(value) ? undefined : 'must be a k3s release like "v1.33.5+k3s1" (vX.Y.Z+k3sN)';
}

/** Exact semantic version (Helm chart versions): no ranges, no "latest". */
export const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

export function exactSemver(value: string): string | undefined {
    return EXACT_SEMVER.test(value) ? undefined : 'must be an exact version like "1.2.3" (no ranges, no "latest")';
}

/** Container image references and SSH public keys are parsed for real (imageRef.ts, sshKey.ts); cron schedules too (cron.ts). */
export { pinnedImage, parseImageRef, IMAGE_ALLOWED } from "./imageRef";
export { sshPublicKey, SSH_KEY_ALLOWED } from "./sshKey";
export { cronSchedule, CRON_ALLOWED } from "./cron";

/** RFC 1123 DNS label (Kubernetes names, hostnames). */
export function dnsLabel(value: string): string | undefined {
    return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)
        ? undefined
        : "must be a lowercase DNS label (a-z, 0-9, '-', at most 63 characters)";
}

/** RFC 1123 DNS name (ingress hosts). */
export function dnsName(value: string): string | undefined {
    if (!(value.length <= 253 && value.split(".").every((label) => dnsLabel(label) === undefined)))
        return 'must be a lowercase DNS name like "grafana.example.org"';
    // No top-level domain is numeric: such a "name" is an IP address, which an Ingress may not use as its host.
    if (/^\d+$/.test(value.split(".").pop()!)) {
        return (
            "is an IP address (or ends in a numeric label), not a DNS name: Kubernetes refuses an Ingress host " +
            'that is an IP; use a DNS name that resolves to the ingress address, like "grafana.example.org"'
        );
    }
    // A single label resolves through each client's search domain, not public DNS, and no
    // public CA (ACME included) issues a certificate for it; as a CA domain it is a whole TLD.
    if (!value.includes("."))
        return (
            `is a single label: it is not a name others can resolve, and no certificate ` +
            `can be issued for it; use a full name like "${value}.example.org"`
        );
    return undefined;
}

/** An HTTP path prefix for ingress routes. */
export function urlPath(value: string): string | undefined {
    if (!/^\/[A-Za-z0-9._~\/-]*$/.test(value)) return 'must be a URL path starting with "/"';
    // Browsers collapse "." and ".." segments and "//" before sending, so such a prefix never
    // matches the route it was meant for (a trailing "/" is fine: the layers strip it).
    if (value.split("/").some((seg, i, all) => (seg === "" && i > 0 && i < all.length - 1) || seg === "." || seg === "..")) {
        return 'must not contain "//", "/./" or "/../" segments: use a plain path like "/airflow"';
    }
    return undefined;
}

/** [first, last] address of an IPv4 CIDR (assumed valid). */
export function range(cidr: string): [number, number] {
    const [address, prefix] = cidr.split("/");
    const start = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    return [start, start + 2 ** (32 - Number(prefix)) - 1];
}

/** Address space that is not reachable from the internet (RFC 1918, CGNAT, loopback, link-local, documentation, multicast, reserved). */
const NON_PUBLIC = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
].map(range);

/** Merged, sorted intervals. */
function union(intervals: [number, number][]): [number, number][] {
    const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const [s, e] of sorted) {
        const last = out[out.length - 1];
        if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
        else out.push([s, e]);
    }
    return out;
}

/**
 * How many public IPv4 addresses a set of CIDRs opens to, counted on the parsed networks (so
 * `0.0.0.0/1` + `128.0.0.0/1` is as open as `0.0.0.0/0`). Invalid entries are skipped.
 */
export function publicAddresses(cidrs: readonly string[]): number {
    const open = union(cidrs.filter((c) => ipv4Cidr(c) === undefined).map(range));
    const closed = union(NON_PUBLIC);
    let total = 0;
    for (const [s, e] of open) {
        let size = e - s + 1;
        for (const [cs, ce] of closed) {
            const lo = Math.max(s, cs);
            const hi = Math.min(e, ce);
            if (lo <= hi) size -= hi - lo + 1;
        }
        total += size;
    }
    return total;
}

/** A /8 of public space: the threshold from which a rule counts as open to the world. */
export const WORLD_OPEN_ADDRESSES = 2 ** 24;

/** Whether two valid IPv4 CIDRs share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
    if (ipv4Cidr(a) !== undefined || ipv4Cidr(b) !== undefined) return false;
    const [as, ae] = range(a);
    const [bs, be] = range(b);
    return as <= be && bs <= ae;
}

/** k3s' default pod and service networks (its cluster-cidr and service-cidr, which this project does not change). */
export const K3S_CLUSTER_CIDRS = { pods: "10.42.0.0/16", services: "10.43.0.0/16" } as const;

/** Ranges no node network may use: the routing of these addresses is fixed by every host. */
const SPECIAL_RANGES: readonly [string, string][] = [
    ["0.0.0.0/8", '"this network", not routable'],
    ["127.0.0.0/8", "loopback: every host keeps these addresses to itself"],
    ["169.254.0.0/16", "link-local, where the cloud's metadata service answers at 169.254.169.254"],
    ["224.0.0.0/4", "multicast"],
    ["240.0.0.0/4", "reserved, and the broadcast address"],
];

/** What is wrong with a node subnet that lies in a special-purpose range, or undefined. */
export function specialRange(cidr: string): string | undefined {
    const hit = SPECIAL_RANGES.find(([net]) => cidrsOverlap(cidr, net));
    return hit ? `lies in ${hit[0]} (${hit[1]}): pick a private range such as 10.0.0.0/24 or 192.168.10.0/24` : undefined;
}
