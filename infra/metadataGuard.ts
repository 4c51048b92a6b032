/**
 * What keeps a node's user-data (join tokens, object-store credential and, on the initialising
 * server, the cluster CA keys) away from workloads. Pure: rule specs and unit files that
 * infra/cloudinit.ts writes.
 *
 * The OpenStack metadata service hands user-data to whoever asks from the VM. Two raw-table
 * rules (k3s' own rule management never touches the raw table) drop:
 * - traffic from the pod network (routed pods), and
 * - locally generated traffic of any non-root user: host-network pods that run as a user
 *   (node-exporter, …) and every unprivileged process on the node.
 * Root on the node keeps access: cloud-init itself, and the one host-network pod that needs the
 * metadata service, the cinder-csi node plugin (instance ID, zone and device paths; root and
 * privileged). The OpenStack cloud controller manager also runs on the host network, but as
 * UID 1001 (its chart's podSecurityContext), so the guard drops its metadata traffic: at the
 * pinned version it needs none, it looks instances up through the Nova API
 * (`guardVerdict`, checked for every host-network pod of the cluster layer in its tests).
 *
 * IPv6: OpenStack also serves metadata at the link-local fe80::a9fe:a9fe. Pods have no IPv6
 * here (k3s runs IPv4 only) and link-local traffic is never routed out of their namespace, so
 * one ip6tables rule drops non-root local traffic to it, the OUTPUT rule's twin. A kernel without
 * IPv6 has no such path, and the rule is skipped there.
 */

import type { WriteFile } from "./writeFile";

/** k3s' default pod network. */
export const POD_CIDR = "10.42.0.0/16";
export const METADATA_ADDRESS = "169.254.169.254";

/** `iptables -t raw` rule specs (chain first). */
export const METADATA_GUARD_RULES = [
    `PREROUTING -s ${POD_CIDR} -d ${METADATA_ADDRESS}/32 -j DROP`,
    `OUTPUT -d ${METADATA_ADDRESS}/32 -m owner ! --uid-owner 0 -j DROP`,
] as const;

/** How a pod reaches the metadata service: from its own network namespace, or the node's as a UID. */
export type MetadataClient = { readonly hostNetwork: false } | { readonly hostNetwork: true; readonly uid: number };

export const METADATA_ADDRESS_V6 = "fe80::a9fe:a9fe";

/** `ip6tables -t raw` rule specs. */
export const METADATA_GUARD_RULES_V6 = [`OUTPUT -d ${METADATA_ADDRESS_V6}/128 -m owner ! --uid-owner 0 -j DROP`] as const;

/** What METADATA_GUARD_RULES do to a pod's traffic to the metadata address. */
export function guardVerdict(client: MetadataClient): "allowed" | "dropped" {
    // Routed pods come from POD_CIDR (PREROUTING rule); host-network ones are local traffic (OUTPUT rule, root only).
    if (!client.hostNetwork) return "dropped";
    return client.uid === 0 ? "allowed" : "dropped";
}

/** Idempotent: adds the rule only when it is not there yet (the unit may run again). */
export function guardCommand(rule: string, tool: "iptables" | "ip6tables" = "iptables"): string {
    const noIpv6 = tool === "ip6tables" ? "[ ! -e /proc/net/if_inet6 ] || " : "";
    return `/bin/sh -c '${noIpv6}${tool} -t raw -C ${rule} 2>/dev/null || ${tool} -t raw -I ${rule}'`;
}

/** The guard unit's commands: IPv4 rules, then the IPv6 twin. */
export function guardCommands(rules: readonly string[] = METADATA_GUARD_RULES): string[] {
    return [...rules.map((r) => guardCommand(r)), ...METADATA_GUARD_RULES_V6.map((r) => guardCommand(r, "ip6tables"))];
}

/**
 * cloud-init keeps copies of the user-data it ran (and re-fetches them at every boot): the raw
 * text, the processed cloud-config and the pickled datasource. Once cloud-init is done with a
 * boot they are of no use, so they are removed at the end of every boot.
 */
export const USER_DATA_SCRUB_UNIT = "user-data-scrub.service";
export const USER_DATA_COPIES = [
    "/var/lib/cloud/instances/*/user-data.txt*",
    "/var/lib/cloud/instances/*/cloud-config.txt",
    "/var/lib/cloud/instances/*/obj.pkl",
];

export function userDataScrubUnit(): string {
    return [
        "[Unit]",
        "Description=Remove cloud-init's cached copies of user-data (tokens, CA keys) after boot",
        "After=cloud-final.service",
        "[Service]",
        "Type=oneshot",
        `ExecStart=/bin/sh -c 'rm -f ${USER_DATA_COPIES.join(" ")}'`,
        "[Install]",
        "WantedBy=cloud-init.target multi-user.target",
        "",
    ].join("\n");
}

export const METADATA_GUARD_UNIT = "pod-metadata-guard.service";

/** The guard's unit file: its rules applied before k3s starts, at every boot. */
export function metadataGuardFile(): WriteFile {
    return {
        path: `/etc/systemd/system/${METADATA_GUARD_UNIT}`,
        permissions: "0644",
        content: [
            "[Unit]",
            "Description=Keep pods away from the metadata service (it serves this node's user-data)",
            "Before=k3s.service k3s-agent.service",
            "After=network-pre.target",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            ...guardCommands().map((command) => `ExecStart=${command}`),
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ].join("\n"),
    };
}
