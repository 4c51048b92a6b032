/**
 * A small, pure checker of the Pod Security Standards (baseline and restricted, the controls
 * that concern security contexts, host namespaces, volumes and ports) for one pod: what Pod
 * Security admission would refuse, one line per violation. Not modelled: AppArmor, SELinux,
 * /proc mount type, sysctls (nothing here sets them).
 */
type Ctx = Record<string, any> | undefined;

export interface PodShape {
    readonly securityContext?: Ctx;
    readonly containers: readonly { name: string; securityContext?: Ctx; ports?: { hostPort?: number }[] }[];
    readonly hostNetwork?: boolean;
    readonly hostPID?: boolean;
    readonly hostIPC?: boolean;
    readonly volumes?: readonly Record<string, unknown>[];
}

const BASELINE_CAPS = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

export function baselineViolations(pod: PodShape): string[] {
    const out: string[] = [];
    for (const host of ["hostNetwork", "hostPID", "hostIPC"] as const) if (pod[host]) out.push(`${host}`);
    for (const v of pod.volumes ?? []) if ("hostPath" in v) out.push(`hostPath volume ${String(v.name)}`);
    for (const c of pod.containers) {
        if (c.securityContext?.privileged) out.push(`${c.name}: privileged`);
        for (const cap of c.securityContext?.capabilities?.add ?? []) if (!BASELINE_CAPS.includes(cap)) out.push(`${c.name}: adds ${cap}`);
        for (const p of c.ports ?? []) if (p.hostPort) out.push(`${c.name}: hostPort ${p.hostPort}`);
    }
    return out;
}

export function restrictedViolations(pod: PodShape): string[] {
    const out = baselineViolations(pod);
    for (const v of pod.volumes ?? []) {
        const kind = Object.keys(v).find((k) => k !== "name");
        if (kind && !RESTRICTED_VOLUMES.includes(kind)) out.push(`${kind} volume ${String(v.name)}`);
    }
    const podCtx = pod.securityContext ?? {};
    for (const c of pod.containers) {
        const ctx = c.securityContext ?? {};
        if (ctx.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation is not false`);
        if (!(ctx.capabilities?.drop ?? []).includes("ALL")) out.push(`${c.name}: does not drop ALL capabilities`);
        for (const cap of ctx.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`${c.name}: adds ${cap}`);
        if ((ctx.runAsNonRoot ?? podCtx.runAsNonRoot) !== true) out.push(`${c.name}: runAsNonRoot is not true`);
        if ((ctx.runAsUser ?? podCtx.runAsUser) === 0) out.push(`${c.name}: runs as UID 0`);
        const seccomp = (ctx.seccompProfile ?? podCtx.seccompProfile)?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") out.push(`${c.name}: no RuntimeDefault/Localhost seccomp profile`);
    }
    return out;
}
