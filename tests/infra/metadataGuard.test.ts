/**
 * The metadata guard run for real: the ExecStart commands of the rendered unit are executed in a
 * throw-away network and mount namespace (unshare; nothing touches this machine's firewall), with
 * 169.254.169.254 on its loopback and a "pod" namespace routed from 10.42.0.5 over a veth pair.
 * Then: root on the node reaches the address, an unprivileged user does not, the pod does not;
 * the same for root and the user at OpenStack's IPv6 metadata address fe80::a9fe:a9fe.
 * Needs root, unshare, and the Debian packages iptables and python3 (cloud-init's dependency).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { renderUserData, ServerSpec } from "../../infra/cloudinit";
import { METADATA_GUARD_RULES, METADATA_GUARD_RULES_V6, USER_DATA_COPIES, userDataScrubUnit } from "../../infra/metadataGuard";
import { requireDebianPackage } from "../support/debian";

const spec: ServerSpec = {
    role: "server",
    nodeName: "n",
    k3sVersion: "v1.35.6+k3s1",
    k3sInstall: { mode: "download" },
    labels: {},
    nodeIp: "10.0.0.11",
    flannelBackend: "vxlan",
    bootstrap: "metadata",
    serverUrl: "https://10.0.0.11:6443",
    tlsSans: ["10.0.0.11"],
    etcdSnapshotSchedule: "0 */6 * * *",
    etcdSnapshotRetention: 5,
    localPathStorage: true,
};

function unitOf(path: string): string {
    const doc = parse(renderUserData(spec, { token: "t", agentToken: "a" }).replace(/^#cloud-config\n/, "")) as {
        write_files: { path: string; content: string }[];
    };
    return doc.write_files.find((f) => f.path === path)!.content;
}

// A probe: connect to the metadata address, print "open" or "blocked".
const PROBE =
    "import socket,sys\ntry:\n  " +
    "socket.create_connection(('169.254.169.254',8775),timeout=1).recv(2); " +
    "print('open')\nexcept OSError: print('blocked')\n";
// The same at the IPv6 link-local metadata address (on the dummy interface "md").
const PROBE6 =
    "import socket,sys\ntry:\n  " +
    "socket.create_connection(('fe80::a9fe:a9fe%md',8775),timeout=1).recv(2); " +
    "print('open')\nexcept OSError: print('blocked')\n";

function namespaceScript(execStarts: string[]): string {
    const probe = (prefix: string) => `${prefix} /usr/bin/python3 -c "${PROBE.replace(/"/g, '\\"')}"`;
    const probe6 = (prefix: string) => `${prefix} /usr/bin/python3 -c "${PROBE6.replace(/"/g, '\\"')}"`;
    return [
        "set -e",
        "mount --make-rprivate /",
        "mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns",
        "ip link set lo up && ip addr add 169.254.169.254/32 dev lo",
        "ip link add md type veth peer name md1 && ip link set md1 up && ip link set md up && ip addr add fe80::a9fe:a9fe/64 dev md nodad",
        "ip netns add pod && ip link add v0 type veth peer name v1 && ip link set v1 netns pod",
        "ip addr add 10.42.0.1/24 dev v0 && ip link set v0 up",
        "ip netns exec pod sh -c 'ip link set lo up; ip addr add 10.42.0.5/24 dev v1; " +
            "ip link set v1 up; ip route add default via 10.42.0.1'",
        `/usr/bin/python3 -c "import socket,threading,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(('169.254.169.254',8775)); s.listen(8)
def serve():
  while True:
    c,_=s.accept(); c.sendall(b'ok'); c.close()
s6=socket.socket(socket.AF_INET6); s6.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s6.bind(('fe80::a9fe:a9fe',8775,0,socket.if_nametoindex('md'))); s6.listen(8)
def serve6():
  while True:
    c,_=s6.accept(); c.sendall(b'ok'); c.close()
threading.Thread(target=serve,daemon=True).start(); threading.Thread(target=serve6,daemon=True).start(); time.sleep(600)" &`,
        "server=$!",
        "trap 'kill $server' EXIT",
        // Probing is the readiness check for the listener: wait until root gets through unguarded.
        `for i in $(seq 1 100); do [ "$(${probe("")})" = open ] && [ "$(${probe6("")})" = open ] && break; done`,
        `echo "before root=$(${probe("")}) pod=$(${probe("ip netns exec pod")}) user6=$(${probe6("runuser -u nobody --")})"`,
        ...execStarts,
        ...execStarts, // twice: the unit is idempotent
        `echo "rules=$(iptables -t raw -S | grep -c 169.254.169.254) rules6=$(ip6tables -t raw -S | grep -c fe80::a9fe:a9fe)"`,
        `echo "after root=$(${probe("")}) user=$(${probe("runuser -u nobody --")}) pod=$(${probe("ip netns exec pod")})"`,
        `echo "after6 root=$(${probe6("")}) user=$(${probe6("runuser -u nobody --")})"`,
    ].join("\n");
}

describe("metadata guard (real iptables in a throw-away network namespace)", function () {
    this.timeout(60_000);

    it("drops pod traffic and non-root local traffic to 169.254.169.254, keeps root's, idempotently", function () {
        if (process.getuid?.() !== 0) this.skip(); // network namespaces need root (CI runs as root)
        requireDebianPackage(this, "iptables");
        const unit = unitOf("/etc/systemd/system/pod-metadata-guard.service");
        const execStarts = unit
            .split("\n")
            .filter((l) => l.startsWith("ExecStart="))
            .map((l) => l.slice("ExecStart=".length));
        assert.equal(execStarts.length, METADATA_GUARD_RULES.length + METADATA_GUARD_RULES_V6.length);
        const run = spawnSync("unshare", ["-m", "-n", "sh", "-c", namespaceScript(execStarts)], { encoding: "utf8", timeout: 50_000 });
        assert.equal(run.status, 0, `namespace script failed: ${run.stderr}`);
        const lines = run.stdout.trim().split("\n");
        assert.deepEqual(
            lines,
            [
                "before root=open pod=open user6=open",
                "rules=2 rules6=1",
                "after root=open user=blocked pod=blocked",
                "after6 root=open user=blocked",
            ],
            run.stderr,
        );
    });

    it("removes cloud-init's cached user-data copies after cloud-final on every boot", () => {
        const unit = userDataScrubUnit();
        assert.match(unit, /After=cloud-final\.service/);
        for (const copy of USER_DATA_COPIES) assert.ok(unit.includes(copy), copy);
        const doc = parse(renderUserData(spec, { token: "t", agentToken: "a" }).replace(/^#cloud-config\n/, "")) as {
            runcmd: (string | string[])[];
        };
        assert.ok(doc.runcmd.some((c) => [c].flat().join(" ") === "systemctl start --no-block user-data-scrub.service"));
    });
});
