/**
 * The NFS export: root squashed, exported to the cluster's Node addresses only. The node-side
 * script's own refresh and watch run here with stand-ins for k3s' kubectl (serving a Node list,
 * or a watch's event lines, and counting its calls) and exportfs (recording its calls), both
 * written into a temporary directory by this test. That kubectl prints those lines for the
 * script's jsonpath and go-template was tried once against a real kube-apiserver (1.35).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXPORT_OPTIONS, nfsDataFiles, nfsDataScript, SQUASH_ID } from "../../infra/nfsData";
import { tempDir } from "../support/tempDir";

const SPEC = { volumeId: "3f2c8a1e-7b4d-4e6f-9a0b-5c1d2e3f4a5b", exportPath: "/srv/nfs" };

describe("NFS export: root squashed, only to the cluster's nodes", () => {
    let dir: string;
    let run: string;
    const nodesFile = () => path.join(dir, "nodes.json");
    const exportfsLog = () => path.join(dir, "exportfs.log");
    const script = () => path.join(dir, "nfs-data");
    const eventsFile = () => path.join(dir, "events");
    const kubectlLog = () => path.join(dir, "kubectl.log");
    const nfsData = (command: string) =>
        execFileSync("sh", [script(), command], {
            env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, NFS_DATA_RUN: run, K3S: path.join(dir, "k3s") },
        });
    const refresh = () => nfsData("exports-refresh");
    const exports = () => fs.readFileSync(path.join(run, "k3s-data.exports"), "utf8");
    /** The Node list: `node-N` with the Nth address (two addresses in one entry: `ip ip`). */
    const nodes = (...ips: string[]) => fs.writeFileSync(nodesFile(), ips.map((ip, i) => `node-${i} ${ip}\n`).join(""));
    const listCalls = () =>
        fs
            .readFileSync(kubectlLog(), "utf8")
            .split("\n")
            .filter((l) => l.includes("get nodes -o jsonpath")).length;

    beforeEach(() => {
        dir = tempDir("nfs-exports");
        run = path.join(dir, "run");
        fs.mkdirSync(run);
        fs.writeFileSync(script(), nfsDataScript(SPEC));
        // Stand-in for k3s' kubectl: `get nodes --watch` prints the test's event lines and ends (as a
        // watch the API closes); `get nodes -o jsonpath=…` prints the Node list the test set, or
        // fails like an API that does not answer. Every call is logged.
        fs.writeFileSync(
            path.join(dir, "k3s"),
            [
                "#!/bin/sh",
                `echo "$*" >> ${kubectlLog()}`,
                `case "$*" in *--watch*) cat ${eventsFile()}; exit 0 ;; esac`,
                `[ -s ${nodesFile()} ] || exit 1`,
                `cat ${nodesFile()}`,
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        // Stand-in for exportfs: records that the kernel's table was re-read.
        fs.writeFileSync(path.join(dir, "exportfs"), `#!/bin/sh\necho "$*" >> ${exportfsLog()}\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(run, "k3s-data.exports"), "");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("exports to each Node address with root squashed, never to a subnet", () => {
        fs.writeFileSync(path.join(run, "active"), "");
        nodes("10.0.0.12", "10.0.0.11", "10.0.0.12");
        refresh();
        assert.equal(exports(), `/srv/nfs 10.0.0.11(${EXPORT_OPTIONS}) 10.0.0.12(${EXPORT_OPTIONS})\n`);
        assert.match(EXPORT_OPTIONS, /(^|,)root_squash(,|$)/);
        assert.doesNotMatch(EXPORT_OPTIONS, /no_root_squash|all_squash/);
        assert.doesNotMatch(exports(), /\/\d+\(/, "no CIDR");
        assert.equal(fs.readFileSync(exportfsLog(), "utf8"), "-ra\n");
    });

    it("follows the nodes: a removed node loses the export, an unchanged list is not re-exported", () => {
        fs.writeFileSync(path.join(run, "active"), "");
        nodes("10.0.0.11", "10.0.0.21");
        refresh();
        refresh();
        assert.equal(fs.readFileSync(exportfsLog(), "utf8"), "-ra\n", "unchanged: exportfs not called again");
        nodes("10.0.0.11");
        refresh();
        assert.equal(exports(), `/srv/nfs 10.0.0.11(${EXPORT_OPTIONS})\n`);
    });

    it("exports nothing while the API does not answer, and nothing once the volume is stopped", () => {
        fs.writeFileSync(path.join(run, "active"), "");
        refresh();
        assert.equal(exports(), "", "no node list: no export");
        fs.rmSync(path.join(run, "active"));
        nodes("10.0.0.11");
        refresh();
        assert.equal(exports(), "", "stopped: the watch never re-exports");
    });

    it("keeps the current exports while the API does not answer (an API restart never cuts the clients off)", () => {
        fs.writeFileSync(path.join(run, "active"), "");
        nodes("10.0.0.11", "10.0.0.21");
        refresh();
        nodes();
        refresh();
        assert.equal(exports(), `/srv/nfs 10.0.0.11(${EXPORT_OPTIONS}) 10.0.0.21(${EXPORT_OPTIONS})\n`);
        assert.equal(fs.readFileSync(exportfsLog(), "utf8"), "-ra\n", "the kernel's table is left alone");
    });

    it("start hands the export root and the provisioner's namespace directories to the squashed UID; a unit keeps the list current", () => {
        const text = nfsDataScript(SPEC);
        const start = text.slice(text.indexOf("start() {"), text.indexOf("exports_refresh() {"));
        assert.ok(start.includes(`chown ${SQUASH_ID}:${SQUASH_ID} "$export_path"`));
        assert.ok(start.includes(`-mindepth 1 -maxdepth 1 -type d ! -name lost+found -user 0 -exec chown ${SQUASH_ID}:${SQUASH_ID} {} +`));
        assert.ok(start.indexOf("chown") < start.indexOf("exports_refresh"), "owned before anything is exported");
        const unit = nfsDataFiles(SPEC, "dev-server-0").find((f) => f.path === "/etc/systemd/system/nfs-data-exports.service")!.content;
        assert.match(unit, /ExecStart=\/usr\/local\/sbin\/nfs-data exports-watch/);
        assert.match(text, /kubectl get nodes --watch --output-watch-events -o go-template=/);
    });

    it("the watch lists the API only when a Node joins, changes its address or is deleted, not per status update", () => {
        fs.writeFileSync(path.join(run, "active"), "");
        nodes("10.0.0.11", "10.0.0.12");
        const statusUpdates = Array.from({ length: 20 }, (_, i) => `MODIFIED node-${i % 2} 10.0.0.1${1 + (i % 2)}`);
        const changes = ["MODIFIED node-1 10.0.0.99", "DELETED node-1 10.0.0.12", "ADDED node-2 10.0.0.13"];
        fs.writeFileSync(
            eventsFile(),
            ["ADDED node-0 10.0.0.11", "ADDED node-1 10.0.0.12", ...statusUpdates, ...changes].join("\n") + "\n",
        );
        assert.throws(() => nfsData("exports-watch"), "the watch ending ends the unit (systemd restarts it)");
        assert.equal(listCalls(), 1 + changes.length, "one list at the start and one per change; none for 22 known Nodes' events");
        assert.equal(exports(), `/srv/nfs 10.0.0.11(${EXPORT_OPTIONS}) 10.0.0.12(${EXPORT_OPTIONS})\n`, "what the API lists");
    });
});
