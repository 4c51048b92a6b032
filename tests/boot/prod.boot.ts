/**
 * Boots the prod stack's HA control plane (3 servers) on one private L2 segment with their
 * rendered addresses, so keepalived's unicast VRRP runs between the real daemons, and checks
 * the VIP: exactly one holder, and failover when the holder's API stops answering (the k3s
 * stand-in's switch) or the holder VM loses power.
 */
import * as assert from "node:assert/strict";
import { defaultPoolCount, renderCluster, stackK3sVersion, BootCluster } from "./support/cluster";
import { assertCloudInitClean, assertRenderedFilesOnDisk } from "./support/checks";
import { blankDisk, bootBase, BootRun, eventually, reportBootFailures, requirePrerequisites } from "./support/suite";
import type { Vm } from "./support/vm";

const STACK = "prod-infra";
const VOLUME_ID = "9d7e6c5b-4a39-4281-b0c1-d2e3f4a5b6c7";
const VIP = "10.20.0.10";
const SERVERS = ["10.20.0.11", "10.20.0.12", "10.20.0.13"];
/** The issue's bound for a new VIP holder after the old one fails. */
const FAILOVER_MS = 10_000;

describe(`boot: ${STACK} (3 servers, keepalived API VIP on one L2 segment)`, function () {
    this.timeout(40 * 60_000);
    let run: BootRun;
    let cluster: BootCluster;
    let vms: Vm[] = [];

    const live = () => vms.filter((vm) => !vm.exited);
    /** Which live servers have the VIP on an interface right now. */
    const holders = async (): Promise<string[]> => {
        const answers = await Promise.all(
            live().map(async (vm) => ({ vm, out: (await vm.exec(`ip -4 -o addr show to ${VIP}/32`, 20)).out })),
        );
        return answers.filter((a) => a.out.includes(VIP)).map((a) => a.vm.spec.name);
    };
    const single = async (timeoutMs: number, not?: string): Promise<{ holder: string; ms: number }> => {
        const started = Date.now();
        const holder = await eventually(`exactly one VIP holder${not ? ` other than ${not}` : ""}`, timeoutMs, async () => {
            const h = await holders();
            return h.length === 1 && h[0] !== not ? h[0] : undefined;
        });
        return { holder, ms: Date.now() - started };
    };

    before(async function () {
        requirePrerequisites(this);
        await bootBase();
        run = new BootRun("prod", stackK3sVersion(STACK));
        await run.start();
        cluster = renderCluster(
            STACK,
            { ...run.mirrorOverrides(), ...defaultPoolCount(STACK, 0) },
            { cidr: "10.20.0.0/24", servers: SERVERS, agents: [], vip: VIP },
            VOLUME_ID,
        );
        const disk = blankDisk(run.dir, "nfs-volume");
        vms = await Promise.all(
            cluster.nodes.map((node) =>
                run.boot(
                    cluster,
                    node,
                    node.firstServer ? { dataDisks: [{ file: disk, serial: VOLUME_ID.slice(0, 20), bus: "virtio" }] } : {},
                ),
            ),
        );
    });
    reportBootFailures(() => run);

    it("every server finishes cloud-init with no errors and carries its k3s files as rendered", async () => {
        const done = await Promise.all(cluster.nodes.map((node, i) => run.cloudInitDone(vms[i], node)));
        done.forEach((d, i) => assertCloudInitClean(cluster.nodes[i].key, d));
        for (const [i, node] of cluster.nodes.entries()) await assertRenderedFilesOnDisk(vms[i], node);
        assert.equal((await vms[1].exec("test -e /var/lib/rancher/k3s/server/tls/server-ca.key")).rc, 1, "joining servers get no CA files");
    });

    it("keepalived's first start already uses the default route's interface (no failed start)", async () => {
        for (const vm of vms) {
            const iface = (await vm.sh("ip -o -4 route show to default | awk '{print $5; exit}'")).trim();
            assert.match(await vm.sh("cat /etc/keepalived/keepalived.conf"), new RegExp(`\\n  interface ${iface}\\n`));
            assert.equal((await vm.sh("systemctl show -p NRestarts --value keepalived.service")).trim(), "0");
            const journal = await vm.sh("journalctl -b -o cat -u keepalived.service");
            assert.doesNotMatch(journal, /__DEFAULT_IFACE__|Failed with result|Main process exited/, `${vm.spec.name}:\n${journal}`);
            assert.equal(journal.match(/Started keepalived/gi)?.length ?? 0, 1, `${vm.spec.name}: keepalived started once:\n${journal}`);
        }
    });

    it("exactly one server holds the VIP, and it settles on server-0 (highest VRRP priority) once its API answers", async () => {
        await single(120_000);
        // The first server whose API answers takes the VIP; server-0 preempts once it is ready.
        await eventually("server-0 to hold the VIP alone", 60_000, async () => {
            const h = await holders();
            return h.length === 1 && h[0] === "server-0" ? true : undefined;
        });
    });

    it(`when the holder's API stops answering, another server holds the VIP within ${FAILOVER_MS / 1000} s`, async () => {
        const { holder } = await single(60_000);
        const vm = vms.find((v) => v.spec.name === holder)!;
        await vm.sh("mkdir -p /run/k3s-stand-in && touch /run/k3s-stand-in/api-down");
        const next = await single(FAILOVER_MS, holder);
        console.log(`      API down on ${holder}: ${next.holder} holds the VIP after ${(next.ms / 1000).toFixed(1)} s`);
        await vm.sh("rm /run/k3s-stand-in/api-down");
        // The higher priority takes the VIP back once its API answers again (rise: 2 checks).
        await eventually(`${holder} to hold the VIP alone again`, 60_000, async () => {
            const h = await holders();
            return h.length === 1 && h[0] === holder ? true : undefined;
        });
    });

    it(`when the holder VM powers off, another server holds the VIP within ${FAILOVER_MS / 1000} s`, async () => {
        const { holder } = await single(60_000);
        await vms.find((v) => v.spec.name === holder)!.powerOff();
        const next = await single(FAILOVER_MS, holder);
        console.log(`      ${holder} powered off: ${next.holder} holds the VIP after ${(next.ms / 1000).toFixed(1)} s`);
    });
});
