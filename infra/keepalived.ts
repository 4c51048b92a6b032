/**
 * keepalived holds the API VIP of an HA server set on a server whose API answers /readyz.
 *
 * Its VRRP interface is the one of the default route, which depends on the image (ens3, eth0…)
 * and is only known on the VM. The configuration is written as a template; a drop-in renders it
 * right before every start (ExecStartPre), and the unit only starts once the template exists.
 * So whichever start comes first (the package's postinst on a stock image, the boot of an image
 * that has keepalived, or runcmd) already uses the right interface.
 */
import { K3S_TLS_DIR } from "./datastore";
import type { WriteFile } from "./writeFile";

export interface VipSpec {
    readonly address: string;
    readonly peers: readonly string[];
    readonly priority: number;
    readonly routerId: number;
}

export const IFACE_PLACEHOLDER = "__DEFAULT_IFACE__";
const TEMPLATE = "/etc/keepalived/keepalived.conf.in";
const RENDER = "/usr/local/sbin/keepalived-render-conf";
/** keepalived's check script: the local API's /readyz, asked as k3s' admin. */
export const API_READY_SCRIPT = "/usr/local/bin/k3s-api-ready";
/** The port of the API on every server (k3s' https-listen-port default). */
const API_PORT = 6443;

/**
 * How often the API is checked and how many answers move the VIP. A check may take longer than
 * its interval (keepalived's default timeout is the interval): a loaded API that answers /readyz
 * in 3 s is alive, and dropping the VIP from it cuts every client off. Three failures in a row,
 * not two, so one slow answer never does; an API that stops answering still loses the VIP within
 * about 6 s (or 15 s when every check hangs to its timeout).
 */
const API_CHECK = { intervalSeconds: 2, timeoutSeconds: 5, fall: 3, rise: 2 } as const;

/**
 * The check script. It is curl with k3s' own files (the server CA it serves with, the admin
 * client certificate it writes at its first start), not `k3s kubectl`: that starts the whole k3s
 * binary every interval on every server, a steady CPU cost taken from the API it checks, and a
 * busy API whose check is slow to start loses the VIP for it. Before k3s' first start the admin
 * certificate does not exist and the check fails, as it should. Anonymous requests are refused
 * by k3s' API, so the client certificate is needed; the address is in k3s' serving certificate.
 * curl gives up before keepalived's timeout, so a hung API is a failed check, not a killed one.
 */
export function apiReadyScript(tlsDir: string = K3S_TLS_DIR, port: number = API_PORT): string {
    return [
        "#!/bin/sh",
        "# keepalived's check: is the local API ready? (infra/keepalived.ts says why curl)",
        `tls=${tlsDir}`,
        `exec curl -sf -o /dev/null --max-time ${API_CHECK.timeoutSeconds - 1} --cacert "$tls/server-ca.crt" \\`,
        `  --cert "$tls/client-admin.crt" --key "$tls/client-admin.key" https://127.0.0.1:${port}/readyz`,
        "",
    ].join("\n");
}

export function keepalivedTemplate(vip: VipSpec, nodeIp: string): string {
    return [
        "vrrp_script k3s_api {",
        `  script "${API_READY_SCRIPT}"`,
        `  interval ${API_CHECK.intervalSeconds}`,
        `  timeout ${API_CHECK.timeoutSeconds}`,
        `  fall ${API_CHECK.fall}`,
        `  rise ${API_CHECK.rise}`,
        "}",
        "vrrp_instance k3s_api {",
        "  state BACKUP",
        `  interface ${IFACE_PLACEHOLDER}`,
        `  virtual_router_id ${vip.routerId}`,
        `  priority ${vip.priority}`,
        "  advert_int 1",
        `  unicast_src_ip ${nodeIp}`,
        "  unicast_peer {",
        ...vip.peers.map((p) => `    ${p}`),
        "  }",
        "  virtual_ipaddress {",
        `    ${vip.address}`,
        "  }",
        "  track_script {",
        "    k3s_api",
        "  }",
        "}",
        "",
    ].join("\n");
}

export function keepalivedFiles(vip: VipSpec, nodeIp: string): WriteFile[] {
    return [
        {
            path: API_READY_SCRIPT,
            permissions: "0755",
            content: apiReadyScript(),
        },
        { path: TEMPLATE, permissions: "0644", content: keepalivedTemplate(vip, nodeIp) },
        {
            path: RENDER,
            permissions: "0755",
            content: [
                "#!/bin/sh",
                "# Renders keepalived.conf from its template with the default route's interface.",
                "set -eu",
                "iface=$(ip -o -4 route show to default | awk '{print $5; exit}')",
                'if [ -z "$iface" ]; then echo "keepalived: no IPv4 default route, cannot choose the VRRP interface" >&2; exit 1; fi',
                `sed "s/${IFACE_PLACEHOLDER}/$iface/" ${TEMPLATE} > /etc/keepalived/keepalived.conf.new`,
                "mv /etc/keepalived/keepalived.conf.new /etc/keepalived/keepalived.conf",
                "",
            ].join("\n"),
        },
        {
            path: "/etc/systemd/system/keepalived.service.d/render-interface.conf",
            permissions: "0644",
            content: [
                "[Unit]",
                "# Start once the template exists (the packaged unit waits for keepalived.conf).",
                "ConditionFileNotEmpty=",
                `ConditionFileNotEmpty=${TEMPLATE}`,
                "Wants=network-online.target",
                "After=network-online.target",
                "[Service]",
                `ExecStartPre=${RENDER}`,
                "",
            ].join("\n"),
        },
    ];
}
