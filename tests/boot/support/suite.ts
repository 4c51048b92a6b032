/**
 * What every boot test shares: the prerequisites check (fail under CI, skip with a line naming
 * what is missing elsewhere), the image, the accelerator, the k3s mirror, VM creation for a
 * rendered node, in-VM waits, and the timing table.
 */
import { BOOTSTRAP_METADATA_KEY } from "../../../infra/bootstrap";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chooseAccel } from "./accel";
import type { BootCluster, BootNode } from "./cluster";
import { buildConfigDrive } from "./configDrive";
import { BootImage, cacheDir, ensureImage } from "./image";
import { K3sMirror } from "./mirror";
import { Segment } from "./segment";
import { Accel, DataDisk, Vm, VmSpec, withTimeout } from "./vm";

const TOOLS: Record<string, string> = {
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
    debootstrap: "debootstrap",
    "mkfs.ext4": "e2fsprogs",
    xorriso: "xorriso",
    openssl: "openssl",
};

/** Missing commands, with the Debian package that brings each. */
export function missingPrerequisites(): string[] {
    const missing = Object.entries(TOOLS)
        .filter(([cmd]) => {
            try {
                execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
                return false;
            } catch {
                return true;
            }
        })
        .map(([cmd, pkg]) => `${cmd} (apt-get install ${pkg})`);
    if (process.getuid?.() !== 0) missing.push("root (debootstrap and chroot build the image)");
    return missing;
}

/** Under CI the boot suite must run: missing tools are a failure there, a skip elsewhere. */
export function requirePrerequisites(ctx: Mocha.Context): void {
    const missing = missingPrerequisites();
    if (missing.length === 0) return;
    const line = `boot suite needs: ${missing.join(", ")}`;
    if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`${line} (CI must not skip the boot suite)`);
    console.log(`  skipped: ${line}`);
    ctx.skip();
}

export interface Timing {
    node: string;
    cloudInitDone?: number;
    apiReady?: number;
}

const timings: Timing[] = [];
let shared: Promise<{ image: BootImage; accel: Accel }> | undefined;

/** Image (built once, cached) and accelerator (probed once per run). */
export function bootBase(log = (line: string) => console.log(`    ${line}`)): Promise<{ image: BootImage; accel: Accel }> {
    shared ??= (async () => {
        const image = await ensureImage(log);
        if (image.buildSeconds > 0) log(`image built in ${image.buildSeconds.toFixed(0)} s`);
        const accel = await chooseAccel(image, log);
        return { image, accel };
    })();
    return shared;
}

export class BootRun {
    readonly dir: string;
    readonly segment = new Segment();
    readonly mirror: K3sMirror;
    readonly vms: Vm[] = [];
    mirrorPort = 0;

    /** `opts.k3sFile`/`moreVersions`: the mirror's k3s and releases; `opts.readOnlyDisks`/`memoryMiB`: given to every VM. */
    constructor(
        readonly label: string,
        version: string,
        private readonly opts: {
            k3sFile?: string;
            moreVersions?: readonly string[];
            readOnlyDisks?: VmSpec["readOnlyDisks"];
            memoryMiB?: number;
        } = {},
    ) {
        fs.mkdirSync(path.join(cacheDir(), "runs"), { recursive: true });
        this.dir = fs.mkdtempSync(path.join(cacheDir(), "runs", `${label}-`));
        this.mirror = new K3sMirror(version, opts.k3sFile, opts.moreVersions);
    }

    async start(): Promise<void> {
        await this.segment.start();
        this.mirrorPort = await this.mirror.start();
    }

    /** Overrides that point the stack at this run's mirror (QEMU user net: 10.0.2.2 = host). */
    mirrorOverrides(): Record<string, string> {
        return {
            k3sInstall: "mirror",
            k3sMirrorUrl: `https://10.0.2.2:${this.mirrorPort}/k3s`,
            k3sMirrorInstallScriptSha256: this.mirror.installScriptSha256,
            k3sMirrorCaCert: this.mirror.caCertPem,
        };
    }

    /**
     * Boots a rendered node; `tag` tells replacement VMs of one node apart. `bootstrap` is the
     * first server's instance metadata `k3s_bootstrap` (Nova's `meta`), `cluster-init` by default.
     */
    async boot(
        cluster: BootCluster,
        node: BootNode,
        opts: { tag?: string; dataDisks?: readonly DataDisk[]; bootstrap?: string; hostForwards?: VmSpec["hostForwards"] } = {},
    ): Promise<Vm> {
        const { image, accel } = await bootBase();
        const vmName = `${node.key}${opts.tag ? `-${opts.tag}` : ""}`;
        const index = this.vms.length + 1;
        const mac = (nic: number) => `52:54:00:${nic.toString(16).padStart(2, "0")}:00:${index.toString(16).padStart(2, "0")}`;
        const prefix = Number(cluster.plan.cidr.split("/")[1]);
        const gateway = cluster.plan.cidr.split("/")[0].replace(/\.\d+$/, ".1");
        const configDrive = buildConfigDrive(this.dir, {
            name: vmName,
            userData: node.userData,
            meta: {
                role: node.role,
                environment: cluster.config.environment,
                slot: node.key,
                ...(node.firstServer ? { [BOOTSTRAP_METADATA_KEY]: opts.bootstrap ?? "cluster-init" } : {}),
            },
            publicKey: cluster.config.sshPublicKey,
            nics: [
                { mac: mac(1), address: node.ip, prefix, gateway },
                // QEMU's user network: the mirror only, no gateway (no way out of this machine).
                { mac: mac(2), address: "10.0.2.15", prefix: 24 },
            ],
        });
        const vm = new Vm({
            name: vmName,
            workDir: this.dir,
            image,
            accel,
            configDrive,
            lan: { segment: this.segment, mac: mac(1) },
            upMac: mac(2),
            dataDisks: opts.dataDisks,
            readOnlyDisks: this.opts.readOnlyDisks,
            hostForwards: opts.hostForwards,
            memoryMiB: this.opts.memoryMiB ?? 512,
        });
        this.vms.push(vm);
        await vm.start();
        return vm;
    }

    /**
     * Waits for cloud-init to finish (its result.json, written at the end of the final stage:
     * `cloud-init status --wait` of bookworm's 22.4 returns "done" between two stages) and
     * records boot → done and boot → k3s service ready from the VM's own clocks.
     */
    async cloudInitDone(
        vm: Vm,
        node: BootNode,
        timeoutSeconds = 900,
    ): Promise<{ status: string; result: { errors: string[]; datasource: string } }> {
        await vm.agentReady(timeoutSeconds * 1000);
        await eventually(
            `${vm.spec.name}: cloud-init to finish`,
            timeoutSeconds * 1000,
            async () => ((await vm.exec("test -e /run/cloud-init/result.json")).rc === 0 ? true : undefined),
            1000,
        );
        const status = (await vm.exec("cloud-init status --long")).out;
        const unit = node.role === "server" ? "k3s.service" : "k3s-agent.service";
        const [now, uptime, doneAt, active] = (
            await vm.sh(
                `date +%s.%N; cut -d' ' -f1 /proc/uptime; stat -c %.3Y /run/cloud-init/result.json; ` +
                    `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`,
            )
        )
            .trim()
            .split("\n")
            .map(Number);
        const bootEpoch = now - uptime;
        timings.push({
            node: `${this.label}/${vm.spec.name}`,
            cloudInitDone: doneAt - bootEpoch,
            apiReady: active > 0 ? active / 1e6 : undefined,
        });
        const result = JSON.parse(await vm.sh("cat /run/cloud-init/result.json")).v1 as { errors: string[]; datasource: string };
        return { status, result };
    }

    debugHint(): string {
        return `consoles and disks in ${this.dir}`;
    }

    async stop(keep: boolean): Promise<void> {
        await Promise.all(this.vms.map((vm) => vm.powerOff()));
        this.segment.close();
        this.mirror.close();
        if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A blank disk file standing in for a Cinder volume. */
/**
 * Registers the failure reporting both boot suites share: a failed test's message is shown at once
 * (the full report waits for every slow boot test), and the run keeps its VMs' logs when anything failed.
 */
export function reportBootFailures(getRun: () => BootRun | undefined): void {
    let failed = false;
    afterEach(function () {
        if (this.currentTest?.state !== "failed") return;
        failed = true;
        console.log(`      ${String(this.currentTest.err?.message).split("\n").slice(0, 6).join("\n      ")}`);
    });
    after(async () => {
        const run = getRun();
        if (failed && run) console.log(`    ${run.debugHint()}`);
        await run?.stop(failed);
    });
}

export function blankDisk(dir: string, name: string, sizeMiB = 64): string {
    const file = path.join(dir, `${name}.raw`);
    fs.writeFileSync(file, "");
    fs.truncateSync(file, sizeMiB * 1024 * 1024);
    return file;
}

/** Polls an in-VM condition (each probe is one command round trip) until it holds or time runs out. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

export function printTimings(): void {
    if (timings.length === 0) return;
    const { accel } = { accel: process.env.BOOT_ACCEL ?? "" };
    const rows = timings.map(
        (t) =>
            `    | ${t.node.padEnd(28)} | ${(t.cloudInitDone?.toFixed(1) ?? "-").padStart(22)} ` +
            `| ${(t.apiReady?.toFixed(1) ?? "-").padStart(20)} |`,
    );
    console.log(
        [
            "",
            `    Boot timings (s since kernel start, in-VM clock; ${os.cpus().length} host cores shared${accel ? `, ${accel}` : ""}):`,
            `    | ${"node".padEnd(28)} | ${"boot → cloud-init done".padStart(22)} | ${"boot → API ready (*)".padStart(20)} |`,
            `    |${"-".repeat(30)}|${"-".repeat(24)}|${"-".repeat(22)}|`,
            ...rows,
            "    (*) k3s stand-in service ready: servers answer /readyz, agents report ready. Not Kubernetes.",
        ].join("\n"),
    );
}

export { withTimeout };
