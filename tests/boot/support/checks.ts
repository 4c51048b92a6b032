/** In-VM assertions shared by the boot tests. */
import * as assert from "node:assert/strict";
import { K3S_MANIFESTS_DIR, MANIFEST_STAGING_DIR } from "../../../infra/adminAccess";
import { CA_STAGING_DIR, caInstalledPath } from "../../../infra/cloudinit";
import { K3S_TLS_DIR } from "../../../infra/datastore";
import type { BootNode } from "./cluster";
import type { Vm } from "./vm";

/** Every k3s config / CA / access-manifest file the render writes is on the VM byte for byte, with its mode. */
export async function assertRenderedFilesOnDisk(vm: Vm, node: BootNode): Promise<number> {
    // CAs and access manifests are staged in /run and moved under k3s' server directory once its datastore is mounted.
    const under = ["/etc/rancher/k3s/", `${K3S_TLS_DIR}/`, `${K3S_MANIFESTS_DIR}/`];
    const files = node.files
        .map((f) => ({ ...f, path: caInstalledPath(f.path) }))
        .filter((f) => under.some((dir) => f.path.startsWith(dir)));
    assert.ok(files.length > 0, `${node.key}: the render writes k3s files`);
    for (const staging of [CA_STAGING_DIR, MANIFEST_STAGING_DIR]) {
        if (node.files.some((f) => f.path.startsWith(`${staging}/`)))
            assert.equal((await vm.exec(`test -e ${staging}`)).rc, 1, `${node.key}: ${staging} is gone`);
    }
    for (const file of files) {
        const [mode, b64] = (await vm.sh(`stat -c %a ${file.path} && base64 -w0 ${file.path}`)).split("\n");
        assert.equal(Buffer.from(b64, "base64").toString(), file.content, `${node.key}: ${file.path} differs from the render`);
        assert.equal(mode.padStart(4, "0"), file.permissions, `${node.key}: ${file.path} mode`);
        if (file.path.endsWith(".yaml") || file.path.endsWith(".key")) assert.equal(mode, "600", `${node.key}: ${file.path} must be 0600`);
    }
    return files.length;
}

export function assertCloudInitClean(name: string, done: { status: string; result: { errors: string[]; datasource: string } }): void {
    assert.match(done.status, /status: done/, `${name}: cloud-init status --long:\n${done.status}`);
    assert.deepEqual(done.result.errors, [], `${name}: cloud-init errors`);
    assert.match(done.result.datasource, /ConfigDrive/, `${name}: user-data must come from the config drive`);
}

/**
 * Pod traffic to the metadata address is dropped, other traffic is not: a fake metadata server
 * on 169.254.169.254 in the VM, a "pod" network namespace in 10.42.0.0/16 and a control
 * namespace outside it, both routed through the host like a CNI bridge would.
 */
export async function assertMetadataGuard(vm: Vm): Promise<void> {
    await vm.sh(
        [
            "set -e",
            "ip addr add 169.254.169.254/32 dev lo",
            "systemd-run --unit=fake-metadata python3 -m http.server --bind 169.254.169.254 80",
            "for ns in pod:10.42.7.5:10.42.7.1 other:10.99.0.5:10.99.0.1; do",
            "  IFS=: read name addr gw <<EOF",
            "$ns",
            "EOF",
            "  ip netns add $name",
            "  ip link add h-$name type veth peer name c-$name",
            "  ip link set c-$name netns $name",
            "  ip addr add $gw/24 dev h-$name; ip link set h-$name up",
            "  ip netns exec $name ip addr add $addr/24 dev c-$name",
            "  ip netns exec $name ip link set c-$name up",
            "  ip netns exec $name ip route add default via $gw",
            "done",
        ].join("\n"),
    );
    // The control namespace reaches the fake metadata server (the path works)...
    await vm.sh(
        "curl -sf --retry 30 --retry-connrefused --retry-max-time 60 --max-time 2 -o /dev/null " +
            "http://169.254.169.254/ && ip netns exec other curl -sf --max-time 5 -o /dev/null http://169.254.169.254/",
    );
    // ...the pod namespace does not, and the guard's rule counted the dropped packets.
    const pod = await vm.exec("ip netns exec pod curl -sf --connect-timeout 3 -o /dev/null http://169.254.169.254/");
    assert.notEqual(pod.rc, 0, "a pod reached the metadata service");
    const counters = await vm.sh("iptables -t raw -L PREROUTING -v -x -n");
    const drop = counters.split("\n").find((l) => l.includes("DROP") && l.includes("10.42.0.0/16") && l.includes("169.254.169.254"));
    assert.ok(drop && Number(drop.trim().split(/\s+/)[0]) > 0, `the guard dropped nothing:\n${counters}`);
}

/** nfs-data.service runs when its path unit sees the volume: wait for it, fail on its failure. */
export async function nfsDataActive(vm: Vm, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const state = (await vm.exec("systemctl is-active nfs-data.service")).out.trim();
        if (state === "active") return;
        if (state === "failed" || Date.now() > deadline) {
            throw new Error(
                `${vm.spec.name}: nfs-data.service is ${state}\n${(await vm.exec("journalctl -b -o cat -u nfs-data.service")).out}`,
            );
        }
        await new Promise((r) => setTimeout(r, 250));
    }
}
