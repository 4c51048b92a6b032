/**
 * One QEMU VM of the boot suite: direct kernel boot of the cached image (root by UUID on a
 * copy-on-write overlay), a Nova-style config drive, NIC 0 on a private L2 segment with the
 * node's rendered address, NIC 1 on QEMU's user network (only the test host's mirror is
 * reachable: no gateway is configured on it), an optional Cinder-like data disk, the serial
 * console in a file, and a virtio-serial control channel to the in-VM agent.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { BootImage } from "./image";
import { freeUdpPort, Segment } from "./segment";

export type Accel = "kvm" | "tcg";

export interface DataDisk {
    readonly file: string;
    /** The serial Nova gives a Cinder volume: the volume id's first 20 characters. */
    readonly serial: string;
    readonly bus: "virtio" | "scsi";
}

export interface VmSpec {
    readonly name: string;
    readonly workDir: string;
    readonly image: BootImage;
    readonly accel: Accel;
    readonly configDrive: string;
    readonly lan: { readonly segment: Segment; readonly mac: string };
    readonly upMac: string;
    /** Cinder-like volumes, attached in this order (server-0: NFS data, then a single server's datastore). */
    readonly dataDisks?: readonly DataDisk[];
    /** Read-only disks by serial (the lifetime suite's parts disk). */
    readonly readOnlyDisks?: readonly { readonly file: string; readonly serial: string }[];
    /** TCP ports of the VM reachable from the host at 127.0.0.1:hostPort (QEMU user network). */
    readonly hostForwards?: readonly { readonly hostPort: number; readonly guestPort: number }[];
    readonly memoryMiB?: number;
}

export interface ExecResult {
    readonly rc: number;
    readonly out: string;
    readonly err: string;
}

export function qemuArgs(
    spec: VmSpec,
    files: { overlay: string; console: string; agent: string; monitor?: string },
    lanPort: number,
): string[] {
    const args = [
        "-name",
        spec.name,
        "-machine",
        "q35",
        // TCG's translated code lives in one buffer (1 GiB by default); a server running etcd and the
        // Kubernetes programs outgrew it within minutes and every full flush re-translated everything
        // hot. 2 GiB is QEMU's largest, and it is only used as code is translated.
        ...(spec.accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,tb-size=2048", "-cpu", "max"]),
        "-m",
        String(spec.memoryMiB ?? 512),
        "-smp",
        "1",
        "-nographic",
        "-nodefaults",
        "-no-reboot",
        "-kernel",
        spec.image.kernel,
        "-initrd",
        spec.image.initrd,
        "-append",
        [
            `root=UUID=${spec.image.rootUuid} ro console=ttyS0 panic=-1 quiet systemd.show_status=1`,
            // Under TCG a translation is found by the code's virtual address: with address-space
            // randomisation every start of a program (curl, etcdctl, python) re-translated its libraries.
            ...(spec.accel === "tcg" ? ["norandmaps"] : []),
        ].join(" "),
        "-serial",
        `file:${files.console}`,
        "-drive",
        `if=none,id=root,file=${files.overlay},format=qcow2`,
        "-device",
        "virtio-blk-pci,drive=root",
        "-drive",
        `if=none,id=cfg,file=${spec.configDrive},format=raw,media=cdrom,readonly=on`,
        "-device",
        "ide-cd,drive=cfg",
        // romfile= (no iPXE option ROM): direct kernel boot needs none, and under TCG it costs seconds.
        "-netdev",
        `socket,id=lan,udp=127.0.0.1:${spec.lan.segment.port},localaddr=127.0.0.1:${lanPort}`,
        "-device",
        `virtio-net-pci,netdev=lan,mac=${spec.lan.mac},romfile=`,
        "-netdev",
        ["user,id=up,net=10.0.2.0/24", ...(spec.hostForwards ?? []).map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`)].join(
            ",",
        ),
        "-device",
        `virtio-net-pci,netdev=up,mac=${spec.upMac},romfile=`,
        "-chardev",
        `socket,id=agent,path=${files.agent},server=on,wait=off`,
        "-device",
        "virtio-serial-pci",
        "-device",
        "virtserialport,chardev=agent,name=boot-test.agent",
        // The human monitor, for reading QEMU's own counters (`info jit`) while a run is slow.
        ...(files.monitor ? ["-monitor", `unix:${files.monitor},server=on,wait=off`] : []),
    ];
    (spec.readOnlyDisks ?? []).forEach((ro, i) => {
        args.push(
            "-drive",
            `if=none,id=ro${i},file=${ro.file},format=raw,readonly=on`,
            "-device",
            `virtio-blk-pci,drive=ro${i},serial=${ro.serial}`,
        );
    });
    const disks = spec.dataDisks ?? [];
    if (disks.some((d) => d.bus === "scsi")) args.push("-device", "virtio-scsi-pci,id=scsi0");
    disks.forEach((disk, i) => {
        args.push("-blockdev", JSON.stringify({ driver: "raw", "node-name": `data${i}`, file: { driver: "file", filename: disk.file } }));
        if (disk.bus === "virtio") args.push("-device", `virtio-blk-pci,drive=data${i},serial=${disk.serial}`);
        else args.push("-device", `scsi-hd,bus=scsi0.0,drive=data${i},serial=${disk.serial}`);
    });
    return args;
}

export class Vm {
    private process?: ChildProcess;
    private socket?: net.Socket;
    private nextId = 1;
    private pending = new Map<number, (r: ExecResult) => void>();
    private hello?: Promise<void>;
    private lanPort = 0;
    readonly consoleFile: string;
    /** Host clock when QEMU was started (boot = t0 of the timing table). */
    startedAt = 0;
    exited?: string;

    constructor(readonly spec: VmSpec) {
        this.consoleFile = path.join(spec.workDir, `${spec.name}.console.log`);
    }

    async start(): Promise<void> {
        const { spec } = this;
        const overlay = path.join(spec.workDir, `${spec.name}.qcow2`);
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", spec.image.root, "-F", "raw", overlay]);
        const agent = path.join(spec.workDir, `${spec.name}.agent.sock`);
        fs.rmSync(agent, { force: true });
        const monitor = path.join(spec.workDir, `${spec.name}.monitor.sock`);
        fs.rmSync(monitor, { force: true });
        this.lanPort = await freeUdpPort();
        spec.lan.segment.join(this.lanPort);
        const args = qemuArgs(spec, { overlay, console: this.consoleFile, agent, monitor }, this.lanPort);
        this.startedAt = Date.now();
        const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
        this.process = child;
        let stderr = "";
        child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("exit", (code, signal) => {
            this.exited = `qemu exited (${signal ?? code}) ${stderr.trim()}`;
            for (const resolve of this.pending.values()) resolve({ rc: -1, out: "", err: this.exited });
            this.pending.clear();
        });
        await this.until(() => fs.existsSync(agent), 10_000, "QEMU's control socket");
        this.socket = net.connect(agent);
        let buffer = "";
        let helloSeen: () => void = () => undefined;
        this.hello = new Promise((resolve) => (helloSeen = resolve));
        this.socket.on("data", (chunk) => {
            buffer += chunk.toString();
            let nl: number;
            while ((nl = buffer.indexOf("\n")) >= 0) {
                const line = buffer.slice(0, nl);
                buffer = buffer.slice(nl + 1);
                const msg = JSON.parse(line) as { hello?: boolean; id?: number; rc: number; out: string; err: string };
                if (msg.hello) helloSeen();
                else if (msg.id !== undefined) {
                    this.pending.get(msg.id)?.({
                        rc: msg.rc,
                        out: Buffer.from(msg.out, "base64").toString(),
                        err: Buffer.from(msg.err, "base64").toString(),
                    });
                    this.pending.delete(msg.id);
                }
            }
        });
        this.socket.on("error", () => undefined);
    }

    /** Polls a cheap local condition (a file QEMU creates) with a deadline. */
    private async until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (!probe()) {
            if (this.exited) throw new Error(`${this.spec.name}: ${this.exited}`);
            if (Date.now() > deadline) throw new Error(`${this.spec.name}: timed out waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 50));
        }
    }

    /** Resolves when the in-VM agent has said hello (userspace is up). */
    async agentReady(timeoutMs: number): Promise<void> {
        await withTimeout(this.hello!, timeoutMs, `${this.spec.name}: the in-VM agent never answered (see ${this.consoleFile})`);
    }

    /** Runs a shell command in the VM. */
    exec(cmd: string, timeoutSeconds = 120): Promise<ExecResult> {
        if (this.exited) return Promise.resolve({ rc: -1, out: "", err: this.exited });
        const id = this.nextId++;
        const result = new Promise<ExecResult>((resolve) => this.pending.set(id, resolve));
        this.socket!.write(`${JSON.stringify({ id, cmd, timeout: timeoutSeconds })}\n`);
        return withTimeout(result, (timeoutSeconds + 10) * 1000, `${this.spec.name}: no answer to ${cmd}`);
    }

    /** Like exec, but a non-zero exit is an error naming the command and its output. */
    async sh(cmd: string, timeoutSeconds = 120): Promise<string> {
        const r = await this.exec(cmd, timeoutSeconds);
        if (r.rc !== 0) throw new Error(`${this.spec.name}: \`${cmd}\` exited ${r.rc}\n${r.out}${r.err}`);
        return r.out;
    }

    console(): string {
        return fs.existsSync(this.consoleFile) ? fs.readFileSync(this.consoleFile, "utf8") : "";
    }

    /** Pulls the plug (SIGKILL): what a hypervisor's hard power-off does to the guest. */
    async powerOff(): Promise<void> {
        const child = this.process;
        if (!child || this.exited) return;
        const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGKILL");
        await gone;
        this.spec.lan.segment.leave(this.lanPort);
        this.socket?.destroy();
    }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
    let timer: NodeJS.Timeout;
    return Promise.race([
        promise.finally(() => clearTimeout(timer)),
        new Promise<T>((_, reject) => {
            timer = setTimeout(() => reject(new Error(message)), ms);
        }),
    ]);
}
