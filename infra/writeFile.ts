/** One cloud-init `write_files` entry, and systemd's unit-name escaping for paths. */
export interface WriteFile {
    path: string;
    content: string;
    permissions: string;
    owner?: string;
}

/** The systemd unit name of a path (`/srv/nfs` → `srv-nfs.mount`), as `systemd-escape --path`. */
export function pathUnit(path: string, suffix: string): string {
    return `${path.replace(/^\/+/, "").replace(/-/g, "\\x2d").replace(/\//g, "-")}.${suffix}`;
}
