/**
 * Measures one server of "k3s made of upstream parts" booted as a VM (optionally with agents):
 * boot → cloud-init done, boot → k3s ready (etcd + kube-apiserver answering /readyz, the other
 * parts started), boot → every node Ready. The lifetime suite's budget rests on these numbers.
 * Usage: tsx tests/lifetime/bin/measure.ts [AGENTS]     (keeps nothing; prints a table)
 */
import * as os from "node:os";
import { defaultPoolCount, renderCluster, stackK3sVersion } from "../../boot/support/cluster";
import { blankDisk, bootBase, BootRun, eventually } from "../../boot/support/suite";
import { ensurePartsDisk, K3S_WRAPPER, PARTS_SERIAL } from "../support/parts";

const STACK = "dev-infra";

async function main(agents: number): Promise<void> {
    const log = (line: string) => console.log(line);
    const parts = await ensurePartsDisk(log);
    log(`parts disk ${parts.file} (${parts.seconds.toFixed(0)} s)`);
    const { accel } = await bootBase(log);
    const run = new BootRun("measure", stackK3sVersion(STACK), {
        k3sFile: K3S_WRAPPER,
        readOnlyDisks: [{ file: parts.file, serial: PARTS_SERIAL }],
        memoryMiB: 2048,
    });
    await run.start();
    try {
        const [nfs, datastore] = ["3f2c8a1e-7b4d-4e6f-9a0b-5c1d2e3f4a5b", "9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a"];
        const cluster = renderCluster(
            STACK,
            { ...run.mirrorOverrides(), ...defaultPoolCount(STACK, agents) },
            { cidr: "10.0.0.0/24", servers: ["10.0.0.11"], agents: ["10.0.0.21", "10.0.0.22", "10.0.0.23"].slice(0, agents) },
            nfs,
            datastore,
        );
        const disks = [nfs, datastore].map((id) => ({ file: blankDisk(run.dir, id), serial: id.slice(0, 20), bus: "virtio" as const }));
        const started = Date.now();
        const vms = await Promise.all(cluster.nodes.map((node) => run.boot(cluster, node, node.firstServer ? { dataDisks: disks } : {})));
        const server = vms[0];
        await server.agentReady(900_000);
        const results = await Promise.all(
            vms.map(async (vm, i) => {
                const node = cluster.nodes[i];
                await run.cloudInitDone(vm, node, 3600);
                const unit = node.role === "server" ? "k3s.service" : "k3s-agent.service";
                const [uptime, active] = (
                    await vm.sh(`cut -d' ' -f1 /proc/uptime; systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`)
                )
                    .trim()
                    .split("\n")
                    .map(Number);
                return { node: node.key, cloudInitDoneHost: (Date.now() - started) / 1000, uptime, k3sReady: active / 1e6 };
            }),
        );
        const names = cluster.nodes.map((n) => n.name);
        await eventually(
            "every node Ready",
            3600_000,
            async () => {
                const r = await server.exec("/usr/local/bin/k3s kubectl get nodes --no-headers");
                const ready = r.out.split("\n").filter((l) => / Ready /.test(l)).length;
                return ready === names.length ? r.out : undefined;
            },
            5000,
        );
        const allReady = (Date.now() - started) / 1000;
        log(
            `\nhost: ${os.cpus().length} cores, load ${os
                .loadavg()
                .map((l) => l.toFixed(1))
                .join(" ")}, accelerator ${accel}`,
        );
        for (const r of results)
            log(
                `${r.node}: k3s ready ${r.k3sReady.toFixed(1)} s after boot (in-VM clock); ` +
                    `cloud-init done seen by the host after ${r.cloudInitDoneHost.toFixed(0)} s`,
            );
        log(`every node Ready (kubectl get nodes) ${allReady.toFixed(0)} s after the VMs were started`);
        log(await server.sh("/usr/local/bin/k3s kubectl get nodes -o wide"));
    } finally {
        await run.stop(process.env.KEEP === "1");
    }
}

main(Number(process.argv[2] ?? "0")).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
});
