/**
 * Cloud-init of the self-hosted GitHub Actions runner VM (pure). The runner registers once, at
 * first boot, with a registration token (single use, valid one hour) and then polls GitHub over
 * outbound HTTPS: nothing reaches the VM from outside. It reaches the Kubernetes API on the
 * servers' private address; when the kubeconfig names a floating IP, a local DNAT rule sends
 * that address to the private one, so the kubeconfig (and every Kubernetes provider built from it)
 * stays the same wherever `pulumi up` runs.
 */
import { stringify } from "yaml";
import type { CiRunnerConfig } from "./ciRunnerConfig";

export interface RunnerBoot {
    readonly runner: CiRunnerConfig;
    /** The runner's name in GitHub (unique per repository). */
    readonly name: string;
    /** Private API address of the cluster (server-0 or the VIP). */
    readonly internalApiAddress: string;
    /** Address in the kubeconfig; DNAT'ed to the private one when it differs. */
    readonly apiAddress: string;
    /** Registration token (secret). */
    readonly token: string;
}

const DIR = "/opt/actions-runner";
const TOKEN_FILE = "/root/.runner-registration-token";

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function renderRunnerUserData(b: RunnerBoot): string {
    const tarball = `actions-runner-linux-x64-${b.runner.version}.tar.gz`;
    const url = `https://github.com/actions/runner/releases/download/v${b.runner.version}/${tarball}`;
    const dnat = b.apiAddress !== b.internalApiAddress;
    const config = [
        "./config.sh --unattended --disableupdate --replace",
        `--url ${shellQuote(`https://github.com/${b.runner.repository}`)}`,
        `--name ${shellQuote(b.name)}`,
        `--labels ${shellQuote(b.runner.labels.join(","))}`,
        `--token "$(cat ${TOKEN_FILE})"`,
    ].join(" ");
    const doc = {
        users: ["default", { name: "runner", shell: "/bin/bash", lock_passwd: true, gecos: "GitHub Actions runner (no sudo)" }],
        package_update: true,
        packages: ["ca-certificates", "curl", "git", "iptables"],
        write_files: [
            { path: TOKEN_FILE, permissions: "0600", owner: "root:root", content: b.token },
            ...(dnat
                ? [
                      {
                          path: "/etc/systemd/system/platform-api-dnat.service",
                          permissions: "0644",
                          content: [
                              "[Unit]",
                              "Description=Send the kubeconfig's API address to the servers' private address",
                              "After=network-online.target",
                              "Wants=network-online.target",
                              "[Service]",
                              "Type=oneshot",
                              "RemainAfterExit=yes",
                              `ExecStart=/usr/sbin/iptables -t nat -A OUTPUT -p tcp -d ${b.apiAddress} --dport 6443 -j DNAT --to-destination ${b.internalApiAddress}:6443`,
                              `ExecStop=/usr/sbin/iptables -t nat -D OUTPUT -p tcp -d ${b.apiAddress} --dport 6443 -j DNAT --to-destination ${b.internalApiAddress}:6443`,
                              "[Install]",
                              "WantedBy=multi-user.target",
                              "",
                          ].join("\n"),
                      },
                  ]
                : []),
        ],
        runcmd: [
            ["bash", "-euo", "pipefail", "-c", [
                ...(dnat ? ["systemctl daemon-reload", "systemctl enable --now platform-api-dnat.service"] : []),
                `mkdir -p ${DIR}`,
                `curl -fsSL --retry 5 -o /tmp/${tarball} ${url}`,
                `echo '${b.runner.sha256}  /tmp/${tarball}' | sha256sum -c -`,
                `tar -xzf /tmp/${tarball} -C ${DIR}`,
                `rm -f /tmp/${tarball}`,
                `${DIR}/bin/installdependencies.sh`,
                `chown -R runner:runner ${DIR}`,
                `cd ${DIR}`,
                `runuser -u runner -- ${config}`,
                `shred -u ${TOKEN_FILE}`,
                "./svc.sh install runner",
                "./svc.sh start",
            ].join("\n")],
        ],
    };
    return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
