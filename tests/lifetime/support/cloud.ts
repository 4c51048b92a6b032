/**
 * The lifetime suite's stand-in for the cloud the engine acts on: the boot suite's VMs (its
 * image, config drive, shared L2 segment and k3s mirror), each given the parts disk of "k3s made
 * of upstream parts"; Cinder volumes as disk files that outlive every VM; and one stable API
 * address on the host (the floating IP: access.ts) passed on to whichever server answers.
 */
import type { BootCluster, BootNode } from "../../boot/support/cluster";
import { blankDisk, BootRun } from "../../boot/support/suite";
import type { DataDisk, Vm } from "../../boot/support/vm";
import { ApiForwarder, FLOATING_ADDRESS, freeTcpPort } from "./access";
import { K3S_WRAPPER, PARTS_SERIAL } from "./parts";

/** Volume ids the render and the disks share (Nova: serial = the id's first 20 characters). */
export const VOLUME_IDS = { data: "3f2c8a1e-7b4d-4e6f-9a0b-5c1d2e3f4a5b", datastore: "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a" } as const;
export type VolumeRole = keyof typeof VOLUME_IDS;

interface LiveVm {
    readonly vm: Vm;
    readonly node: BootNode;
    readonly apiPort?: number;
}

export class LifetimeCloud {
    readonly run: BootRun;
    readonly forwarder = new ApiForwarder();
    private readonly live = new Map<string, LiveVm>();
    private readonly disks = new Map<VolumeRole, string>();
    private generation = 0;

    constructor(label: string, versions: readonly string[], partsFile: string) {
        this.run = new BootRun(label, versions[0], {
            k3sFile: K3S_WRAPPER,
            moreVersions: versions.slice(1),
            readOnlyDisks: [{ file: partsFile, serial: PARTS_SERIAL }],
            memoryMiB: 1536,
        });
    }

    async start(): Promise<void> {
        await this.run.start();
        await this.forwarder.start();
    }

    /** https://<floating address>:<port>: the API as the host reaches it. */
    get apiUrl(): string {
        return `https://${FLOATING_ADDRESS}:${this.forwarder.port}`;
    }

    /** A volume's disk, created blank on first use (like a new Cinder volume). */
    disk(role: VolumeRole): DataDisk {
        let file = this.disks.get(role);
        if (!file) {
            file = blankDisk(this.run.dir, `${role}-volume`, 256);
            this.disks.set(role, file);
        }
        return { file, serial: VOLUME_IDS[role].slice(0, 20), bus: "virtio" };
    }

    /** Forgets a volume (the next use gets a blank one): what losing it, or never having it, means. */
    dropVolume(role: VolumeRole): void {
        this.disks.delete(role);
    }

    /** Boots the rendered node of `slot` with the given attachments. */
    async boot(cluster: BootCluster, slot: string, opts: { bootstrap?: string; volumes?: readonly VolumeRole[] } = {}): Promise<Vm> {
        if (this.live.has(slot)) throw new Error(`${slot} already has a VM`);
        const node = cluster.nodes.find((n) => n.key === slot);
        if (!node) throw new Error(`the render has no node ${slot}`);
        const apiPort = node.role === "server" ? await freeTcpPort() : undefined;
        const vm = await this.run.boot(cluster, node, {
            tag: `g${++this.generation}`,
            bootstrap: opts.bootstrap,
            dataDisks: (opts.volumes ?? []).map((role) => this.disk(role)),
            ...(apiPort ? { hostForwards: [{ hostPort: apiPort, guestPort: 6443 }] } : {}),
        });
        this.live.set(slot, { vm, node, apiPort });
        this.updateForwarder();
        return vm;
    }

    /** Powers the slot's VM off for good (the engine deletes it). */
    async discard(slot: string): Promise<void> {
        const live = this.live.get(slot);
        if (!live) return;
        this.live.delete(slot);
        this.updateForwarder();
        await live.vm.powerOff();
    }

    vm(slot: string): Vm {
        const live = this.live.get(slot);
        if (!live) throw new Error(`${slot} has no VM`);
        return live.vm;
    }

    /** The live VMs with the node each was booted as. */
    nodes(): { slot: string; vm: Vm; node: BootNode }[] {
        return [...this.live.entries()]
            .map(([slot, l]) => ({ slot, vm: l.vm, node: l.node }))
            .sort((a, b) => a.slot.localeCompare(b.slot, undefined, { numeric: true }));
    }

    slots(): string[] {
        return [...this.live.keys()].sort();
    }

    private updateForwarder(): void {
        this.forwarder.backends = [...this.live.entries()]
            .filter(([, l]) => l.apiPort !== undefined)
            .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
            .map(([, l]) => l.apiPort!);
    }

    /** The last lines of k3s' journal on every live VM (what a failed scenario shows). */
    async journals(lines = 30): Promise<string> {
        const out: string[] = [];
        for (const [slot, live] of this.live) {
            const r = await live.vm.exec(`journalctl -u k3s -u k3s-agent -n ${lines} --no-pager -o cat | cut -c1-300`, 60);
            out.push(`--- ${slot} (${live.node.name}): k3s journal ---\n${r.out}${r.err}`);
        }
        return out.join("\n");
    }

    /**
     * Where each live VM's CPU went so far: its uptime and load, and the processes with the most
     * CPU time. With several emulated servers on two host cores, this says which part to lighten.
     */
    async cpuTimes(top = 8): Promise<string> {
        const out: string[] = [];
        for (const [slot, live] of this.live) {
            const r = await live.vm.exec(`cat /proc/uptime /proc/loadavg; ps -eo time=,comm= --sort=-time | head -n ${top}`, 60);
            const [uptime, loadavg, ...procs] = r.out.trim().split("\n");
            const up = Math.round(Number(uptime.split(" ")[0]));
            const load = loadavg?.split(" ").slice(0, 3).join(" ");
            const parts = procs.map((p) => p.trim().split(/\s+/).reverse().join(" ")).join(", ");
            out.push(`      ${slot}: up ${up} s, load ${load}; CPU time: ${parts}${r.err ? ` ${r.err.trim()}` : ""}`);
        }
        return out.join("\n");
    }

    async stop(keep: boolean): Promise<void> {
        this.forwarder.close();
        await this.run.stop(keep);
    }
}
