/**
 * The actions/runner release every runner VM installs: the one place it is pinned. Bumping it
 * (version and the linux-x64 tarball's SHA-256 together, from the release page) replaces the
 * runner VMs on the next `up` of each infra stack. GitHub stops sending jobs to a runner that is
 * too far behind (runners installed with auto-update off must follow new releases within about
 * 30 days), so bump within two weeks of a release: the `runner-version` workflow fails weekly
 * while a newer release has been out for longer than that (docs/delivery.md).
 */
export const RUNNER_RELEASE = {
    version: "2.329.0",
    sha256: "194f1e1e4bd02f80b7e9633fc546084d8d4e19f3928a324d512ea53430102e1d",
} as const;

/** The tarball of a release (what the VM downloads and checks). */
export function runnerTarball(version: string): { file: string; url: string } {
    const file = `actions-runner-linux-x64-${version}.tar.gz`;
    return { file, url: `https://github.com/actions/runner/releases/download/v${version}/${file}` };
}
