/**
 * Cloud-init of the self-hosted GitHub Actions runner VM (pure). Every job gets a runner of its
 * own, registered just for it and gone after it (a just-in-time, ephemeral runner), started from
 * a clean state:
 * - the pinned actions/runner release (infra/ciRunnerRelease.ts, checksum checked before
 *   unpacking) is installed once into /opt/actions-runner, owned by root: a job can't change it;
 * - `actions-runner.service` runs one job and exits. Before each run, root wipes the previous
 *   job's copy of the runner, its work folder and the `runner` user's home, copies the pristine
 *   install, and asks GitHub for a new just-in-time registration with the GitHub token
 *   (root-only file); the job runs as `runner` (no sudo) in the unit's cgroup, so when the job
 *   ends systemd kills every process it left, and the unit starts over;
 * - the job-started hook (infra/ciRunnerHook.ts) refuses jobs that may not run here;
 * - non-root processes can't reach the metadata service (it serves this user-data, token included).
 * It reaches the Kubernetes API on the servers' private address; when the kubeconfig names a
 * floating IP, a local DNAT rule sends that address to the private one, so the kubeconfig (and
 * every Kubernetes provider built from it) stays the same wherever `pulumi up` runs.
 */
import { stringify } from "yaml";
import type { CiRunnerConfig } from "./ciRunnerConfig";
import { renderJobStartedHook } from "./ciRunnerHook";
import { runnerTarball } from "./ciRunnerRelease";
import { guardCommands, METADATA_GUARD_RULES } from "./metadataGuard";

export interface RunnerBoot {
    readonly runner: CiRunnerConfig;
    /** Prefix of the runners' names in GitHub (each job's runner adds a unique suffix). */
    readonly name: string;
    /** Private API address of the cluster (server-0 or the VIP). */
    readonly internalApiAddress: string;
    /** Address in the kubeconfig; DNAT'ed to the private one when it differs. */
    readonly apiAddress: string;
    /** GitHub token that may create just-in-time runners for the repository (secret). */
    readonly githubToken: string;
}

export const RUNNER_PATHS = {
    install: "/opt/actions-runner",
    state: "/var/lib/actions-runner",
    token: "/etc/actions-runner/github-token",
    hook: "/usr/local/lib/actions-runner/job-started.sh",
    fresh: "/usr/local/lib/actions-runner/fresh-runner.sh",
    unit: "actions-runner.service",
} as const;
const GUARD_UNIT = "runner-metadata-guard.service";

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Root, before each job: a clean copy of the runner, an empty home, a new just-in-time registration. */
export function renderFreshRunnerScript(runner: CiRunnerConfig, name: string): string {
    const P = RUNNER_PATHS;
    const body = JSON.stringify({ labels: ["self-hosted", ...runner.labels], runner_group_id: 1, work_folder: "_work" });
    return [
        "#!/bin/bash",
        "# Before each job (ExecStartPre, as root): nothing of the previous job survives (infra/ciRunnerCloudInit.ts).",
        "set -euo pipefail",
        "umask 077",
        `rm -rf ${P.state}/run ${P.state}/jitconfig /home/runner`,
        "install -d -o runner -g runner -m 0700 /home/runner",
        `cp -a ${P.install} ${P.state}/run`,
        `chown -R runner:runner ${P.state}/run`,
        `name=${shellQuote(name)}-$(date +%s)-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')`,
        `body=$(jq -c --arg name "$name" '. + {name: $name}' <<< ${shellQuote(body)})`,
        // The token goes to curl through a root-only header file, never on a command line.
        "headers=$(mktemp)",
        "trap 'rm -f \"$headers\"' EXIT",
        `printf 'Authorization: Bearer %s\\n' "$(cat ${P.token})" > "$headers"`,
        `curl -fsS --retry 5 -X POST -H @"$headers" -H 'Accept: application/vnd.github+json' -H 'X-GitHub-Api-Version: 2022-11-28' \\`,
        `  --data "$body" https://api.github.com/repos/${runner.repository}/actions/runners/generate-jitconfig \\`,
        `  | jq -er .encoded_jit_config > ${P.state}/jitconfig`,
        `chown runner:runner ${P.state}/jitconfig`,
        "",
    ].join("\n");
}

export function renderRunnerUnit(): string {
    const P = RUNNER_PATHS;
    return [
        "[Unit]",
        "Description=One GitHub Actions job on a fresh just-in-time runner, then a clean slate",
        "After=network-online.target " + GUARD_UNIT,
        "Wants=network-online.target",
        "Requires=" + GUARD_UNIT,
        "StartLimitIntervalSec=0",
        "[Service]",
        "User=runner",
        "Group=runner",
        `ExecStartPre=+${P.fresh}`,
        `ExecStart=/bin/bash -c 'exec ${P.state}/run/run.sh --jitconfig "$(cat ${P.state}/jitconfig)"'`,
        `Environment=ACTIONS_RUNNER_HOOK_JOB_STARTED=${P.hook}`,
        // Every process of the job lives in this unit's cgroup and dies with it.
        "KillMode=control-group",
        "Restart=always",
        // Between registrations: spaces out calls to the GitHub API when it fails.
        "RestartSec=10",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectSystem=strict",
        `ReadWritePaths=${P.state} /home/runner`,
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

export function renderRunnerUserData(b: RunnerBoot): string {
    const P = RUNNER_PATHS;
    const { file, url } = runnerTarball(b.runner.version);
    const dnat = b.apiAddress !== b.internalApiAddress;
    const nonRootGuard = METADATA_GUARD_RULES.find((r) => r.startsWith("OUTPUT"))!;
    const unit = (path: string, content: string) => ({ path: `/etc/systemd/system/${path}`, permissions: "0644", content });
    const doc = {
        users: ["default", { name: "runner", shell: "/bin/bash", lock_passwd: true, gecos: "GitHub Actions runner (no sudo)" }],
        package_update: true,
        packages: ["ca-certificates", "curl", "git", "iptables", "jq"],
        write_files: [
            { path: P.token, permissions: "0600", owner: "root:root", content: b.githubToken },
            { path: P.hook, permissions: "0755", owner: "root:root", content: renderJobStartedHook(b.runner) },
            { path: P.fresh, permissions: "0700", owner: "root:root", content: renderFreshRunnerScript(b.runner, b.name) },
            unit(P.unit, renderRunnerUnit()),
            unit(
                GUARD_UNIT,
                [
                    "[Unit]",
                    "Description=Only root reaches the metadata service (it serves this VM's user-data)",
                    "After=network-pre.target",
                    "[Service]",
                    "Type=oneshot",
                    "RemainAfterExit=yes",
                    ...guardCommands([nonRootGuard]).map((c) => `ExecStart=${c}`),
                    "[Install]",
                    "WantedBy=multi-user.target",
                    "",
                ].join("\n"),
            ),
            ...(dnat
                ? [
                      unit(
                          "platform-api-dnat.service",
                          [
                              "[Unit]",
                              "Description=Send the kubeconfig's API address to the servers' private address",
                              "After=network-online.target",
                              "Wants=network-online.target",
                              "[Service]",
                              "Type=oneshot",
                              "RemainAfterExit=yes",
                              `ExecStart=/usr/sbin/iptables -t nat -A OUTPUT -p tcp -d ${b.apiAddress} ` +
                                  `--dport 6443 -j DNAT --to-destination ${b.internalApiAddress}:6443`,
                              `ExecStop=/usr/sbin/iptables -t nat -D OUTPUT -p tcp -d ${b.apiAddress} ` +
                                  `--dport 6443 -j DNAT --to-destination ${b.internalApiAddress}:6443`,
                              "[Install]",
                              "WantedBy=multi-user.target",
                              "",
                          ].join("\n"),
                      ),
                  ]
                : []),
        ],
        runcmd: [
            [
                "bash",
                "-euo",
                "pipefail",
                "-c",
                [
                    "systemctl daemon-reload",
                    `systemctl enable --now ${GUARD_UNIT}`,
                    ...(dnat ? ["systemctl enable --now platform-api-dnat.service"] : []),
                    `mkdir -p ${P.install} ${P.state}`,
                    `curl -fsSL --retry 5 -o /tmp/${file} ${url}`,
                    `echo '${b.runner.sha256}  /tmp/${file}' | sha256sum -c -`,
                    `tar -xzf /tmp/${file} -C ${P.install}`,
                    `rm -f /tmp/${file}`,
                    `${P.install}/bin/installdependencies.sh`,
                    `chown -R root:root ${P.install}`,
                    `chmod -R go-w ${P.install}`,
                    `systemctl enable --now ${P.unit}`,
                ].join("\n"),
            ],
        ],
    };
    return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
