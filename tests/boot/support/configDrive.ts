/**
 * A config drive as Nova writes it (ISO 9660, volume label `config-2`): openstack/latest/
 * meta_data.json, user_data and network_data.json, so cloud-init takes the OpenStack
 * (ConfigDrive) datasource path a real instance takes.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface NicConfig {
    readonly mac: string;
    readonly address: string;
    readonly prefix: number;
    readonly gateway?: string;
}

export interface ConfigDriveSpec {
    readonly name: string;
    readonly userData: string;
    readonly meta: Record<string, string>;
    readonly publicKey: string;
    readonly nics: readonly NicConfig[];
}

function netmask(prefix: number): string {
    const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join(".");
}

function uuidOf(text: string): string {
    const h = createHash("sha256").update(text).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function networkData(nics: readonly NicConfig[]): unknown {
    return {
        links: nics.map((nic, i) => ({
            id: `tap${i}`,
            vif_id: uuidOf(`vif${nic.mac}`),
            type: "ovs",
            mtu: 1500,
            ethernet_mac_address: nic.mac,
        })),
        networks: nics.map((nic, i) => ({
            id: `network${i}`,
            type: "ipv4",
            link: `tap${i}`,
            ip_address: nic.address,
            netmask: netmask(nic.prefix),
            routes: nic.gateway ? [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: nic.gateway }] : [],
            network_id: uuidOf(`net${i}`),
            services: [],
        })),
        services: [],
    };
}

/** Writes `<dir>/<name>-config.iso` and returns its path. */
export function buildConfigDrive(dir: string, spec: ConfigDriveSpec): string {
    const root = path.join(dir, `${spec.name}-config`);
    const latest = path.join(root, "openstack", "latest");
    fs.mkdirSync(latest, { recursive: true });
    const uuid = uuidOf(spec.name);
    const meta = {
        uuid,
        name: spec.name,
        hostname: spec.name,
        launch_index: 0,
        availability_zone: "nova",
        project_id: uuidOf("project"),
        meta: spec.meta,
        public_keys: { "boot-test": spec.publicKey },
        keys: [{ name: "boot-test", type: "ssh", data: spec.publicKey }],
        devices: [],
    };
    fs.writeFileSync(path.join(latest, "meta_data.json"), JSON.stringify(meta));
    fs.writeFileSync(path.join(latest, "user_data"), spec.userData);
    fs.writeFileSync(path.join(latest, "network_data.json"), JSON.stringify(networkData(spec.nics)));
    fs.writeFileSync(path.join(latest, "vendor_data.json"), "{}");
    const iso = path.join(dir, `${spec.name}-config.iso`);
    execFileSync("xorriso", ["-as", "mkisofs", "-quiet", "-o", iso, "-V", "config-2", "-J", "-R", root], { stdio: "pipe" });
    return iso;
}
